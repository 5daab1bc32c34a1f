import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { configTable, keysOf, TABLE_START, withConfigBlock, withConfigTable } from "./docs";

const ROOT = join(__dirname, "..", "..");

describe("generated config docs", () => {
  it("Pulumi.yaml's config block is the one the schemas generate (npm run config:docs)", () => {
    const text = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8");
    expect(withConfigBlock(text)).toBe(text);
  });

  it("the README's configuration table is the one the schemas generate (npm run config:docs)", () => {
    const text = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(text).toContain(TABLE_START);
    expect(withConfigTable(text)).toBe(text);
  });

  it("lists every key of every area, union options included", () => {
    const table = configTable();
    for (const key of ["`edge`", "`hsts.preload`", "`brevo.smtpLogin`", "`adminAccess.allowedCidrs`", "`emailSmtpKey`"]) expect(table).toContain(key);
  });

  it("reads keys two levels deep and summarises deeper ones", () => {
    const schema = z.strictObject({ a: z.string(), b: z.strictObject({ c: z.number(), d: z.strictObject({ e: z.boolean() }) }).optional() });
    expect(keysOf(schema)).toEqual(["a", "b.c", "b.d.*"]);
  });
});
