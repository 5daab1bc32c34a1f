/**
 * The layering the project relies on: components know nothing of config keys or stacks (they take typed
 * args), and the config schemas know nothing of components (stacks/wiring maps one onto the other).
 * Imports are read with TypeScript's own pre-processor, so `import type`, re-exports, dynamic imports and
 * `require` all count. Config keys are looked for in the text itself, comments and tests included: a
 * component names its arguments, and stacks/wiring maps them to keys (stacks/wiring/problems.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import * as ts from "typescript";

const ROOT = resolve(__dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sourceFiles(path);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(e.name) ? [path] : [];
  });
}

/** Relative imports of a file that land under `target` (a folder relative to the repository root). */
export function importsInto(file: string, target: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const into = resolve(ROOT, target) + sep;
  return importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith("."))
    .filter((spec) => (resolve(dirname(file), spec) + sep).startsWith(into) || resolve(dirname(file), spec).startsWith(into));
}

/**
 * A config key of the stack (`renfort:fleet.maxInstances`, `renfort:originTlsPrivateKey`): the namespace, then a
 * lower-case name not followed by another `:` (a type token such as `renfort:email:Email` is not a key).
 */
const CONFIG_KEY = /\brenfort:[a-z][\w.[\]-]*(?![\w.[\]-]*:)/g;

/** The config keys a text names, without a sentence's final dot. */
function keysOf(text: string): string[] {
  return [...text.matchAll(CONFIG_KEY)].map((m) => m[0].replace(/\.+$/, ""));
}

/** `file:line: key` for every config key written in the .ts files under `dir`. */
export function configKeysIn(dir: string): string[] {
  return sourceFiles(resolve(ROOT, dir))
    .filter((f) => f.endsWith(".ts"))
    .flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, i) => keysOf(line).map((key) => `${relative(ROOT, file)}:${i + 1}: ${key}`)),
    );
}

function violations(from: string, target: string): string[] {
  return sourceFiles(resolve(ROOT, from)).flatMap((file) => importsInto(file, target).map((spec) => `${relative(ROOT, file)} imports ${spec}`));
}

describe("layers", () => {
  it("no file under components/ imports from stacks/", () => {
    expect(violations("components", "stacks")).toEqual([]);
  });

  it("no file under components/ names a config key (renfort:<key>), in code, comments or tests", () => {
    expect(configKeysIn("components")).toEqual([]);
  });

  it("tells a config key from a type token (the key check itself works)", () => {
    expect(keysOf("set renfort:fleet.maxInstances, renfort:edge.geoBans[1] or renfort:originTlsPrivateKey.")).toEqual(["renfort:fleet.maxInstances", "renfort:edge.geoBans[1]", "renfort:originTlsPrivateKey"]);
    expect(keysOf('super("renfort:email:Email"); pulumi-nodejs:dynamic/renfort:ApexResolves; "renfort email: spf"')).toEqual([]);
    expect(configKeysIn("stacks/wiring").length).toBeGreaterThan(0);
  });

  it("stacks/config imports nothing from components/", () => {
    expect(violations("stacks/config", "components")).toEqual([]);
  });

  it("sees an import of each kind (the check itself works)", () => {
    const probe = join(ROOT, "components", "edge", "index.ts");
    expect(importsInto(probe, "components/edge")).toEqual(expect.arrayContaining(["./rules", "./settings"]));
    expect(importsInto(join(ROOT, "stacks", "platform.ts"), "stacks")).toEqual(expect.arrayContaining(["./wiring/network"]));
  });
});
