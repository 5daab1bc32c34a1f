import { existsSync, readFileSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { readImageDigest, writeImageDigest } from "./digest-writeback";
import { main } from "./release";
import { scratchDir } from "../../testing/scratch";

const ROOT = join(__dirname, "..", "..");
const NEW = `sha256:${"0f1e".repeat(16)}`;

describe("writeImageDigest on the committed stack files", () => {
  it.each(["staging", "prod"])("Pulumi.%s.yaml: only the digest's characters change", (stack) => {
    const file = join(ROOT, `Pulumi.${stack}.yaml`);
    const text = readFileSync(file, "utf8");
    const old = readImageDigest(text, file);
    const r = writeImageDigest(text, file, NEW);
    expect(r).toMatchObject({ changed: true, previous: old });
    // byte for byte: the old file with that one value replaced, comments and ciphertexts untouched
    const at = text.indexOf(`digest: ${old}`);
    expect(at).toBeGreaterThan(0);
    expect(r.text).toBe(text.slice(0, at) + `digest: ${NEW}` + text.slice(at + `digest: ${old}`.length));
    expect((parse(r.text) as { config: Record<string, { image: { digest: string } }> }).config["renfort:fleet"]!.image.digest).toBe(NEW);
  });

  it("is a no-op when the file already names the digest", () => {
    const text = readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8");
    const old = readImageDigest(text, "p");
    expect(writeImageDigest(text, "p", old)).toEqual({ text, previous: old, changed: false });
  });

  it.each([
    ['"', `digest: "sha256:${"a".repeat(64)}"`],
    ["'", `digest: 'sha256:${"a".repeat(64)}'`],
  ])("keeps %s quoting, CRLF line ends and a trailing comment", (q, line) => {
    const text = `config:\r\n  renfort:fleet:\r\n    image:\r\n      namespace: n\r\n      ${line}  # the running image\r\n    minInstances: 2\r\n`;
    const r = writeImageDigest(text, "f.yaml", NEW);
    expect(r.text).toBe(text.replace(`sha256:${"a".repeat(64)}`, NEW));
    expect(r.text).toContain(`${q}${NEW}${q}  # the running image\r\n`);
  });

  it.each([
    ["config:\n  renfort:fleet:\n    image:\n      namespace: n\n", /has no renfort:fleet.image.digest value: add one/],
    ["config: [\n", /is not valid YAML/],
    ["other: 1\n", /has no `config:` map/],
  ])("refuses %j naming the fix", (text, message) => {
    expect(() => writeImageDigest(text, "f.yaml", NEW)).toThrow(message);
  });

  it("refuses a digest that is not sha256:<64 hex>", () => {
    expect(() => writeImageDigest("config: {}\n", "f.yaml", "sha256:abc")).toThrow(/sha256:<64 lowercase hex>/);
  });
});

describe("the release writes the deployed digest into the stack file before the deploy reads it", () => {
  const DIGEST_LINE = /digest: (sha256:[a-f0-9]{64})/;
  const setup = () => {
    const root = scratchDir("renfort-release-wb-");
    const original = readFileSync(join(ROOT, "Pulumi.staging.yaml"), "utf8");
    writeFileSync(join(root, "Pulumi.staging.yaml"), original);
    return { root, original };
  };
  const image = (d: string) => `rg.fr-par.scw.cloud/renfort-staging/renfort-app@${d}`;

  it("after a successful release the file names the new digest; the deploy command saw it", async () => {
    const { root, original } = setup();
    try {
      const seen = join(root, "seen");
      const code = await main(
        ["--stack", "staging", "--image", image(NEW), "--migrate-command", "true", "--deploy-command", `grep -o 'digest: sha256:[a-f0-9]*' Pulumi.staging.yaml > ${seen}`],
        { PATH: process.env.PATH },
        () => undefined,
        root,
      );
      expect(code).toBe(0);
      expect(readFileSync(seen, "utf8").trim()).toBe(`digest: ${NEW}`);
      const after = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8");
      expect(after).toBe(original.replace(DIGEST_LINE, `digest: ${NEW}`));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("a failed migration leaves the stack file as it was", async () => {
    const { root, original } = setup();
    try {
      const code = await main(["--stack", "staging", "--image", image(NEW), "--migrate-command", "exit 1", "--deploy-command", "true"], { PATH: process.env.PATH }, () => undefined, root);
      expect(code).toBe(3);
      expect(readFileSync(join(root, "Pulumi.staging.yaml"), "utf8")).toBe(original);
      expect(existsSync(join(root, "seen"))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
