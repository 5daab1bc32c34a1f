/**
 * Static checks of the GitHub workflows: they parse; every action is pinned by full commit SHA with its
 * release in a comment (a tag can be moved by whoever controls the action's repository; a SHA cannot);
 * secrets live only in main-only environments and reach only the steps that need them; pull requests
 * get no secret; the checks job runs the suite against PostgreSQL 16; Dependabot and CODEOWNERS cover
 * what they must; every `npm run X` they call exists in package.json.
 */
import { existsSync, readdirSync, readFileSync } from "fs";
import { join } from "path";
import { parseDocument } from "yaml";
import { codeOwnersOf } from "./approvals";

const ROOT = join(__dirname, "..", "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  uses?: string;
  "runs-on"?: string | string[];
  if?: string;
  environment?: string | { name: string };
  env?: Record<string, string>;
  secrets?: unknown;
  services?: Record<string, { image?: string; env?: Record<string, string> }>;
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

/**
 * A `uses:` line as written in the file: `owner/repo[/path]@<40-hex commit> # vX.Y.Z`, a local path,
 * or a docker image by digest.
 */
export function pinnedProblem(line: string): string | undefined {
  const m = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(.*))?$/.exec(line);
  if (!m) return `${line.trim()} is not a uses: line`;
  const uses = m[1]!.replace(/^["']|["']$/g, "");
  const comment = (m[2] ?? "").trim();
  if (uses.startsWith("./")) return existsSync(join(ROOT, uses)) ? undefined : `local ${uses} does not exist`;
  if (uses.startsWith("docker://")) return /@sha256:[a-f0-9]{64}$/.test(uses) ? undefined : `${uses} must be pinned by @sha256 digest`;
  const ref = /^[\w.-]+\/[\w./-]+@(.+)$/.exec(uses)?.[1];
  if (ref === undefined) return `${uses} is not owner/repo@ref`;
  if (!/^[0-9a-f]{40}$/.test(ref)) return `${uses} is not pinned by full commit SHA (owner/repo@<40 hex> # vX.Y.Z)`;
  if (!/^v?\d+\.\d+\.\d+$/.test(comment)) return `${uses} has no release in a comment (# vX.Y.Z), so neither a reviewer nor Dependabot can tell which version it is`;
  return undefined;
}

/** The `uses:` lines of a workflow file, as written (comments included). */
function usesLines(text: string): string[] {
  return text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
}

/** Names of `${{ secrets.X }}` in a value, GITHUB_TOKEN left out (GitHub's own per-run token). */
export function secretNames(value: unknown): string[] {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return [...text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!).filter((n) => n !== "GITHUB_TOKEN");
}

const environmentOf = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const MAIN_ONLY = /github\.ref\s*==\s*'refs\/heads\/main'/;

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
    ["      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", undefined],
    ["        uses: docker/build-push-action@471d1dc4e07e5cdedd4c2171150001c434f0b7a4 # v6.15.0", undefined],
    ["    uses: ./.github/workflows/release-stack.yml", undefined],
    ["      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "no release in a comment"],
    ["      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # latest", "no release in a comment"],
    ["      - uses: actions/checkout@v4.2.2", "full commit SHA"],
    ["      - uses: actions/checkout@v4 # v4.2.2", "full commit SHA"],
    ["      - uses: actions/checkout@11bd719 # v4.2.2", "full commit SHA"],
    ["      - uses: pulumi/actions@master", "full commit SHA"],
    ["      - uses: docker://alpine:3", "sha256"],
    ["    uses: ./.github/workflows/missing.yml", "does not exist"],
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
    // GitHub's forms of `on`: an event name, a list of them, or a map keyed by them.
    const triggers = typeof wf.on === "string" ? [wf.on] : Array.isArray(wf.on) ? (wf.on as string[]) : Object.keys((wf.on as object | undefined) ?? {});
    expect(triggers.length).toBeGreaterThan(0);
    expect(triggers.filter((t) => !["push", "pull_request", "workflow_dispatch", "schedule", "workflow_call", "workflow_run", "release"].includes(t))).toEqual([]);
    // top-level permissions: without them the token gets the repository default, often write-all
    expect(wf.permissions).toEqual({ contents: "read" });
    expect(jobs.length).toBeGreaterThan(0);
  });

  it("pins every action by full commit SHA with its release in a comment, and every reusable workflow", () => {
    const lines = usesLines(readFileSync(join(WORKFLOWS, file), "utf8"));
    const parsed = jobs.flatMap(([, j]) => [j.uses, ...(j.steps ?? []).map((s) => s.uses)]).filter((u): u is string => !!u);
    // every uses: of the parsed workflow is one of the lines checked
    expect(lines).toHaveLength(parsed.length);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.map((l) => pinnedProblem(l)).filter(Boolean)).toEqual([]);
  });

  it("keeps secrets out of the workflow's and jobs' env: each is given to a step that needs it", () => {
    expect(secretNames((wf as { env?: unknown }).env)).toEqual([]);
    for (const [id, job] of jobs) expect({ job: id, secrets: secretNames(job.env) }).toEqual({ job: id, secrets: [] });
  });

  it("reads secrets only in jobs bound to an environment and restricted to main, never passing them on wholesale", () => {
    for (const [id, job] of jobs) {
      expect({ job: id, inherit: job.secrets === "inherit" }).toEqual({ job: id, inherit: false });
      if (secretNames(job.steps).length === 0) continue;
      expect({ job: id, environment: environmentOf(job) ?? "none" }).toEqual({ job: id, environment: expect.not.stringMatching(/^none$/) });
      expect({ job: id, if: job.if ?? "" }).toEqual({ job: id, if: expect.stringMatching(MAIN_ONLY) });
    }
  });

  it("gives secrets only to steps that talk to a provider, the state or the registry", () => {
    // what may hold a secret: Pulumi (CLI or action), the release step (migrations + pulumi up), the registry login
    const needsSecrets = (s: Step) => /^(pulumi|docker\/login-action)[/@]/.test(s.uses ?? "") || /(^|\n)\s*(pulumi |npm run release\b)/.test(s.run ?? "");
    const holders = jobs.flatMap(([id, j]) => (j.steps ?? []).filter((s) => secretNames(s).length > 0).map((s) => ({ job: id, step: s.name ?? s.uses ?? s.run, ok: needsSecrets(s) })));
    expect(holders.filter((h) => !h.ok)).toEqual([]);
  });

  it("installs without install scripts in every job that holds a secret", () => {
    for (const [id, job] of jobs) {
      if (secretNames(job.steps).length === 0) continue;
      const installs = (job.steps ?? []).map((s) => s.run ?? "").filter((r) => /\bnpm (ci|install|i)\b/.test(r));
      expect({ job: id, installs: installs.length > 0 }).toEqual({ job: id, installs: true });
      for (const r of installs) expect({ job: id, run: r }).toEqual({ job: id, run: expect.stringMatching(/^npm ci --ignore-scripts\b/) });
    }
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

describe("pull requests", () => {
  const pr = load("pull-request.yml");
  const jobs = Object.entries(pr.jobs ?? {});

  it("give no job a secret or an environment: anyone who can push a branch could read them", () => {
    expect(jobs.length).toBeGreaterThan(0);
    for (const [id, job] of jobs) {
      expect({ job: id, secrets: secretNames(job), environment: environmentOf(job) }).toEqual({ job: id, secrets: [], environment: undefined });
    }
  });

  it("run the whole suite against a PostgreSQL 16 server with CI set, as .ci/run does", () => {
    const checks = pr.jobs!.checks!;
    const postgres = Object.values(checks.services ?? {}).find((s) => /^postgres:/.test(s.image ?? ""));
    expect(postgres?.image).toMatch(/^postgres:16(\.\d+)?(@sha256:[a-f0-9]{64})?$/);
    expect(checks.env).toEqual(expect.objectContaining({ CI: "true", DATABASE_URL: expect.stringMatching(/^postgres:\/\/postgres@127\.0\.0\.1:5432\//) }));
    const runs = (checks.steps ?? []).map((s) => s.run ?? "");
    // .ci/run's steps, in its order
    const ciRun = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    const order = ["npm ci", "npm run typecheck", "npm run lint", "npm test"];
    for (const cmd of order) expect(ciRun).toContain(cmd);
    const at = order.map((cmd) => runs.findIndex((r) => r.startsWith(cmd)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
  });
});

describe("delivery", () => {
  const deploy = load("deploy.yml");
  const release = load("release-stack.yml");

  it("deploys by hand only from main: every job past the checks is skipped elsewhere", () => {
    expect(Object.keys((deploy.on ?? {}) as object)).toContain("workflow_dispatch");
    const past = Object.entries(deploy.jobs ?? {}).filter(([id]) => id !== "checks");
    expect(past.map(([id]) => id)).toEqual(["image", "staging", "prod"]);
    for (const [id, job] of past) expect({ job: id, if: job.if ?? "" }).toEqual({ job: id, if: expect.stringMatching(MAIN_ONLY) });
    expect(release.jobs!.release!.if).toMatch(MAIN_ONLY);
  });

  it("releases each stack in its own environment, with its own secrets", () => {
    expect(release.jobs!.release!.environment).toBe("${{ inputs.stack }}");
    expect(Object.values(deploy.jobs ?? {}).filter((j) => j.uses).map((j) => (j as { with?: { stack?: string } }).with?.stack)).toEqual(["staging", "prod"]);
  });

  it("reads the stateful approvals from code-owner reviews of the merged pull request, not its description", () => {
    const steps = release.jobs!.release!.steps ?? [];
    const guard = steps.find((s) => /guard:stateful/.test(s.run ?? ""));
    expect(guard?.run).toMatch(/--merged-pr \S+ --codeowners \S+/);
    const record = String(steps.find((s) => /Approvals of the merged pull request/.test(s.name ?? ""))?.with?.script ?? "");
    expect(record).toMatch(/pulls\.listReviews/);
    expect(record).toMatch(/issues\.listComments/);
    expect(record).not.toMatch(/\bbody: pr\.body|labels: pr\.labels/);
  });
});

describe("runtime and runners", () => {
  const all = files.map((f) => ({ file: f, wf: load(f) }));
  const steps = all.flatMap(({ file, wf }) => Object.entries(wf.jobs ?? {}).flatMap(([id, j]) => (j.steps ?? []).map((s) => ({ file, job: id, j, s }))));

  it("sets Node.js up from .nvmrc in every job, and .nvmrc names the LTS package.json's engines asks for", () => {
    const setups = steps.filter(({ s }) => /^actions\/setup-node@/.test(s.uses ?? ""));
    expect(setups.length).toBeGreaterThan(0);
    for (const { file, job, s } of setups) expect({ file, job, with: s.with }).toEqual({ file, job, with: expect.objectContaining({ "node-version-file": ".nvmrc" }) });
    for (const { file, job, s } of setups) expect({ file, job, version: s.with?.["node-version"] }).toEqual({ file, job, version: undefined });
    const nvmrc = readFileSync(join(ROOT, ".nvmrc"), "utf8").trim();
    expect(nvmrc).toBe("24");
    expect((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node).toBe(`>=${nvmrc}`);
  });

  it("runs every job that reaches the database's admin endpoint (migrations, pulumi up or a refresh) on the fixed-egress renfort-admin runner", () => {
    // a migration or a pulumi up (npm run release without --check), or Pulumi's action running up or a refresh
    const action = (s: Step) => /^pulumi\/actions@/.test(s.uses ?? "") && (s.with?.command === "up" || s.with?.refresh === true || s.with?.command === "refresh");
    const reaches = (s: Step) => /(^|\n)\s*(npm run release -- (?!.*--check)|pulumi (up|refresh)\b)/.test(s.run ?? "") || /pulumi preview[^\n]*--refresh/.test(s.run ?? "") || action(s);
    const jobs = new Map(steps.filter(({ s }) => reaches(s)).map(({ file, job, j }) => [`${file}:${job}`, j]));
    expect([...jobs.keys()].sort()).toEqual(["apex-certificate.yml:renew-prod", "apex-certificate.yml:renew-staging", "drift.yml:drift", "release-stack.yml:release"]);
    for (const [id, j] of jobs) expect({ job: id, runsOn: j["runs-on"] }).toEqual({ job: id, runsOn: ["self-hosted", "renfort-admin"] });
  });

  it("gives the step that runs pulumi up the Scaleway keys (the fleet's health gate polls the API) and the post-deploy check the secret key", () => {
    const release = load("release-stack.yml").jobs!.release!;
    const up = (release.steps ?? []).find((s) => /npm run release -- --stack "\$STACK" --image/.test(s.run ?? ""));
    expect(Object.keys(up?.env ?? {})).toEqual(expect.arrayContaining(["SCW_ACCESS_KEY", "SCW_SECRET_KEY"]));
    expect(release.env?.SCW_DEFAULT_PROJECT_ID ?? up?.env?.SCW_DEFAULT_PROJECT_ID).toMatch(/\$\{\{ vars\.SCW_DEFAULT_PROJECT_ID \}\}/);
    const check = (release.steps ?? []).find((s) => /--check --outputs/.test(s.run ?? ""));
    expect(Object.keys(check?.env ?? {})).toEqual(expect.arrayContaining(["SCW_SECRET_KEY"]));
  });
});

describe("GitHub settings are documented", () => {
  const doc = readFileSync(join(ROOT, "tools", "release", "README.md"), "utf8");
  const all = files.map((f) => ({ file: f, wf: load(f) }));

  it("names every environment and every secret the workflows use", () => {
    const envs = new Set<string>();
    const secrets = new Set<string>();
    for (const { wf } of all) {
      for (const job of Object.values(wf.jobs ?? {})) {
        const env = environmentOf(job);
        if (env) envs.add(env.replace("${{ inputs.stack }}", "staging").replace("${{ matrix.stack }}", "staging"));
        for (const n of secretNames(job)) secrets.add(n);
      }
    }
    expect(envs.size).toBeGreaterThan(0);
    expect(secrets.size).toBeGreaterThan(0);
    const missing = [...envs, ...secrets].filter((n) => !doc.includes(`\`${n}\``));
    expect(missing).toEqual([]);
  });
});

describe("Dependabot", () => {
  const doc = parseDocument(readFileSync(join(ROOT, ".github", "dependabot.yml"), "utf8")).toJS() as {
    updates: { "package-ecosystem": string; directory?: string; directories?: string[] }[];
  };
  const dirs = (eco: string) => doc.updates.filter((u) => u["package-ecosystem"] === eco).flatMap((u) => u.directories ?? [u.directory ?? ""]);

  it("keeps the actions, the npm packages of the root and both workspaces, and the app image current", () => {
    expect(dirs("github-actions")).toEqual(["/"]);
    expect(dirs("npm").sort()).toEqual(["/", "/app", "/policies"]);
    expect(dirs("docker")).toEqual(["/app"]);
    expect(existsSync(join(ROOT, "app", "Dockerfile"))).toBe(true);
    const workspaces = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;
    expect(workspaces.map((w) => `/${w}`).sort()).toEqual(["/app", "/policies"]);
  });
});

describe("CODEOWNERS", () => {
  const text = readFileSync(join(ROOT, ".github", "CODEOWNERS"), "utf8");
  const ownersOf = (path: string) => codeOwnersOf(text, path);

  it.each([".github/workflows/deploy.yml", ".github/CODEOWNERS", "policies/rules/edge/cf-geo-ban.ts", "tools/release/approvals.ts", "stacks/index.ts", "Pulumi.prod.yaml", "Pulumi.staging.yaml", "data/countries.json"])(
    "gives %s an owner",
    (path) => {
      expect(ownersOf(path).length).toBeGreaterThan(0);
    },
  );

  it("leaves the rest of the code to the usual review", () => {
    expect(ownersOf("app/src/app.ts")).toEqual([]);
  });
});
