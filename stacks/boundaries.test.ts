/**
 * The layering the project relies on: components know nothing of config keys or stacks (they take typed
 * args), and the config schemas know nothing of components (stacks/wiring maps one onto the other).
 * Imports are read with TypeScript's own pre-processor, so `import type`, re-exports, dynamic imports and
 * `require` all count.
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

function violations(from: string, target: string): string[] {
  return sourceFiles(resolve(ROOT, from)).flatMap((file) => importsInto(file, target).map((spec) => `${relative(ROOT, file)} imports ${spec}`));
}

describe("layers", () => {
  it("no file under components/ imports from stacks/", () => {
    expect(violations("components", "stacks")).toEqual([]);
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
