/**
 * `npm run config:docs`: rewrites Pulumi.yaml's `config:` block and the README's configuration table from
 * the schemas (see docs.ts). `-- --check` only reports drift (exit 1).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withConfigBlock, withConfigTable } from "./docs";

const ROOT = join(__dirname, "..", "..");
const targets: [string, (text: string) => string][] = [
  [join(ROOT, "Pulumi.yaml"), withConfigBlock],
  [join(ROOT, "README.md"), withConfigTable],
];
const check = process.argv.includes("--check");
let drift = false;
for (const [file, render] of targets) {
  const text = readFileSync(file, "utf8");
  const next = render(text);
  if (next === text) continue;
  drift = true;
  if (check) console.error(`${file} is out of date: run npm run config:docs`);
  else {
    writeFileSync(file, next);
    console.log(`${file}: rewritten from the config schemas`);
  }
}
process.exitCode = check && drift ? 1 : 0;
