/**
 * Static checks of the GitHub workflows: they parse, every action is pinned to a release (a moving
 * branch or major tag lets someone else change what runs with our secrets), and every `npm run X`
 * they call exists in package.json (read at run time, so adding a script fixes the test).
 */
import { existsSync, readdirSync, readFileSync } from "fs";
import { join } from "path";
import { parseDocument } from "yaml";

const ROOT = join(__dirname, "..", "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");

interface Step {
  uses?: string;
  run?: string;
}
interface Job {
  uses?: string;
  steps?: Step[];
}
interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: unknown;
  jobs?: Record<string, Job>;
}

const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();

function load(file: string): Workflow {
  const doc = parseDocument(readFileSync(join(WORKFLOWS, file), "utf8"), { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
  return doc.toJS() as Workflow;
}

/** `owner/repo[/path]@<full semver tag or 40-hex commit>`, a local path, or a docker image by digest. */
export function pinnedProblem(uses: string): string | undefined {
  if (uses.startsWith("./")) return existsSync(join(ROOT, uses)) ? undefined : `local ${uses} does not exist`;
  if (uses.startsWith("docker://")) return /@sha256:[a-f0-9]{64}$/.test(uses) ? undefined : `${uses} must be pinned by @sha256 digest`;
  const m = /^[\w.-]+\/[\w./-]+@(.+)$/.exec(uses);
  if (!m) return `${uses} is not owner/repo@ref`;
  const ref = m[1]!;
  if (/^[0-9a-f]{40}$/.test(ref) || /^v?\d+\.\d+\.\d+$/.test(ref)) return undefined;
  return `${uses} is not pinned to a release tag (vX.Y.Z) or commit SHA`;
}

/** Scripts called through npm in a shell snippet: [{ script, workspace? }]. */
export function npmScripts(run: string): { script: string; workspace?: string }[] {
  const out: { script: string; workspace?: string }[] = [];
  for (const line of run.split(/\n|&&|\|\||;/)) {
    const tokens = line.trim().split(/\s+/);
    for (let i = 0; i < tokens.length - 1; i++) {
      if (tokens[i] !== "npm") continue;
      const verb = tokens[i + 1];
      if (verb === "test" || verb === "t") {
        out.push({ script: "test" });
        continue;
      }
      if (verb !== "run" && verb !== "run-script") continue;
      let workspace: string | undefined;
      for (let j = i + 2; j < tokens.length; j++) {
        const t = tokens[j]!;
        if (t === "-w" || t === "--workspace") {
          workspace = tokens[++j];
        } else if (t.startsWith("--workspace=")) {
          workspace = t.slice("--workspace=".length);
        } else if (t.startsWith("-")) {
          continue;
        } else {
          out.push(workspace ? { script: t, workspace } : { script: t });
          break;
        }
      }
    }
  }
  return out;
}

function scriptsOf(dir: string): Record<string, string> {
  return (JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
}

describe("helpers", () => {
  it.each([
    ["actions/checkout@v4.2.2", undefined],
    ["actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", undefined],
    ["actions/checkout@v4", "not pinned"],
    ["actions/checkout@main", "not pinned"],
    ["pulumi/actions@master", "not pinned"],
    ["docker://alpine:3", "sha256"],
    ["./.github/workflows/missing.yml", "does not exist"],
  ])("pinnedProblem(%s)", (uses, problem) => {
    const p = pinnedProblem(uses);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });

  it("finds npm scripts with flags and workspaces", () => {
    expect(npmScripts('npm ci && npm run --silent plan -- --stack "$S" > f\nnpm test\nnpm run -w app typecheck; npx tsc')).toEqual([
      { script: "plan" },
      { script: "test" },
      { script: "typecheck", workspace: "app" },
    ]);
  });
});

describe.each(files)("workflow %s", (file) => {
  const wf = load(file);
  const jobs = Object.entries(wf.jobs ?? {});

  it("parses and has a name, a trigger, least-privilege permissions and jobs", () => {
    expect(typeof wf.name).toBe("string");
    expect(wf.on).toBeDefined();
    // top-level permissions: without them the token gets the repository default, often write-all
    expect(wf.permissions).toEqual({ contents: "read" });
    expect(jobs.length).toBeGreaterThan(0);
  });

  it("pins every action and reusable workflow", () => {
    const uses = jobs.flatMap(([, j]) => [j.uses, ...(j.steps ?? []).map((s) => s.uses)]).filter((u): u is string => !!u);
    expect(uses.map((u) => pinnedProblem(u)).filter(Boolean)).toEqual([]);
  });

  it("only calls npm scripts that exist in package.json", () => {
    const runs = jobs.flatMap(([, j]) => (j.steps ?? []).map((s) => s.run)).filter((r): r is string => !!r);
    const missing = runs
      .flatMap(npmScripts)
      .filter(({ script, workspace }) => !(script in scriptsOf(workspace ?? ".")))
      .map(({ script, workspace }) => (workspace ? `${workspace}: ${script}` : script));
    expect([...new Set(missing)]).toEqual([]);
  });
});

it("has the review, delivery and drift workflows", () => {
  expect(files).toEqual(expect.arrayContaining(["pull-request.yml", "deploy.yml", "drift.yml"]));
});
