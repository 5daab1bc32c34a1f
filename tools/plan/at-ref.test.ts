import { execFileSync, spawn } from "child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { join } from "path";
import { childEnv, planAtRef, PlanCommand, pruneStaleWorktrees } from "./at-ref";
import { REPO_ROOT } from "./plan";
import { scratchDir } from "../../testing/scratch";

/**
 * A throwaway repository with the layout of this one (root package with an npm workspace, installed
 * node_modules with the workspace linked in) and a small plan CLI in plain JavaScript, so the test
 * exercises the worktree and linking without loading the Pulumi SDK.
 */
let repo: string;
const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();

const cli = `
const fs = require("fs");
const args = process.argv.slice(2);
const stack = args[args.indexOf("--stack") + 1];
const out = args[args.indexOf("--json") + 1];
const cfg = JSON.parse(fs.readFileSync("config.json", "utf8"));
const dep = require("fake-dep");
const app = require("@t/app");
fs.writeFileSync(out, JSON.stringify({
  stack, project: "renfort", outputs: { dep: dep.version, app: app.marker }, violations: [],
  resources: [{ urn: "urn:pulumi:" + stack + "::renfort::t:index:Fleet::fleet", type: "t:index:Fleet", name: "fleet",
    inputs: { size: cfg.size }, protect: false, dependsOn: [] }],
}));
process.exit(cfg.exitCode);
`;

/**
 * The same plan as the default command runs it (`npx tsx tools/plan/cli.ts`), for the tests that spawn
 * the real CLI: it records the environment it was given and its pid next to the repository, and with
 * `sleep` in config.json it hangs, so the test can interrupt the CLI while the worktree exists.
 */
const tsCli = (outside: string) => `
const fs = require("fs");
const args = process.argv.slice(2);
const stack = args[args.indexOf("--stack") + 1];
const out = args[args.indexOf("--json") + 1];
const cfg = JSON.parse(fs.readFileSync("config.json", "utf8"));
fs.writeFileSync(${JSON.stringify(outside)} + "/child-env.json", JSON.stringify(process.env));
fs.writeFileSync(${JSON.stringify(outside)} + "/child-pid", String(process.pid));
if (cfg.sleep) setInterval(() => undefined, 1000);
else {
  fs.writeFileSync(out, JSON.stringify({ stack, project: "renfort", outputs: {}, violations: [], resources: [] }));
  process.exit(0);
}
`;

let outside: string;
const tags: Record<string, string> = {};
function commit(size: number, marker: string, exitCode: number, message: string, extra: Record<string, unknown> = {}) {
  writeFileSync(join(repo, "config.json"), JSON.stringify({ size, exitCode, ...extra }));
  writeFileSync(join(repo, "app", "index.js"), `module.exports = { marker: ${JSON.stringify(marker)} };`);
  git("add", "-A");
  git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-m", message);
  tags[message] = git("rev-parse", "HEAD");
}

const node: (stack: string, jsonPath: string) => PlanCommand = (stack, jsonPath) => ({
  file: process.execPath,
  args: ["tools/plan/cli.js", "--stack", stack, "--json", jsonPath],
});

beforeAll(() => {
  outside = scratchDir("renfort-at-ref-outside-");
  repo = scratchDir("renfort-at-ref-test-");
  git("init", "-q", "-b", "main");
  writeFileSync(join(repo, ".gitignore"), "node_modules/\n");
  writeFileSync(join(repo, "package.json"), JSON.stringify({ name: "t", workspaces: ["app"] }));
  mkdirSync(join(repo, "app"));
  writeFileSync(join(repo, "app", "package.json"), JSON.stringify({ name: "@t/app", main: "index.js" }));
  mkdirSync(join(repo, "tools", "plan"), { recursive: true });
  writeFileSync(join(repo, "tools", "plan", "cli.js"), cli);
  writeFileSync(join(repo, "tools", "plan", "cli.ts"), tsCli(outside));
  // a local .env, as a developer may keep one: the plan tool must not read it
  writeFileSync(join(repo, ".gitignore"), "node_modules/\n.env\n");
  writeFileSync(join(repo, ".env"), "SCW_SECRET_KEY=from-the-dotenv-file\nRENFORT_FROM_DOTENV=1\n");
  // installed dependencies: a registry package and the workspace link npm creates
  mkdirSync(join(repo, "node_modules", "fake-dep"), { recursive: true });
  writeFileSync(join(repo, "node_modules", "fake-dep", "index.js"), "module.exports = { version: '1.2.3' };");
  mkdirSync(join(repo, "node_modules", "@t"), { recursive: true });
  symlinkSync("../../app", join(repo, "node_modules", "@t", "app"), "dir");
  // tsx, for the default command `npx tsx tools/plan/cli.ts`
  symlinkSync(join(REPO_ROOT, "node_modules", "tsx"), join(repo, "node_modules", "tsx"), "dir");
  mkdirSync(join(repo, "node_modules", ".bin"));
  symlinkSync("../tsx/dist/cli.mjs", join(repo, "node_modules", ".bin", "tsx"));
  commit(1, "sleepy", 0, "sleepy", { sleep: true });
  commit(3, "base", 0, "base");
  commit(5, "violations", 1, "with violations");
  commit(8, "head", 2, "broken");
});

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const worktrees = () => git("worktree", "list").split("\n").length;
const leftovers = (dir: string) => readdirSync(dir).filter((e) => e.startsWith("renfort-plan-at-ref-"));

describe("planAtRef", () => {
  it("plans the program as it was at the ref, with the ref's own workspace code", async () => {
    const plan = await planAtRef("HEAD~2", "prod", { repoRoot: repo, command: node });
    expect(plan.stack).toBe("prod");
    expect(plan.resources[0]!.inputs).toEqual({ size: 3 });
    expect(plan.outputs).toEqual({ dep: "1.2.3", app: "base" });
    expect(worktrees()).toBe(1);
  });

  it("accepts exit code 1 (policy violations) and reads the JSON, telling each phase as it starts", async () => {
    const phases: string[] = [];
    const plan = await planAtRef("HEAD~1", "staging", { repoRoot: repo, command: node, onPhase: (p) => phases.push(p) });
    expect(plan.resources[0]!.inputs).toEqual({ size: 5 });
    expect(plan.outputs.app).toBe("violations");
    // what `npm run plan` shows on a terminal while the base ref is planned
    expect(phases).toEqual(["checking HEAD~1 out in a temporary worktree", expect.stringMatching(/^planning staging at HEAD~1 \([0-9a-f]{12}\) in a child process$/)]);
  });

  it("fails on exit code 2 and still removes the worktree", async () => {
    await expect(planAtRef("HEAD", "prod", { repoRoot: repo, command: node })).rejects.toThrow(/failed with exit code 2/);
    expect(worktrees()).toBe(1);
  });

  it("names the fix when the ref does not exist", async () => {
    await expect(planAtRef("no-such-branch", "prod", { repoRoot: repo, command: node })).rejects.toThrow(/fetch-depth: 0/);
  });

  it("refuses option-looking refs and odd stack names", async () => {
    await expect(planAtRef("--upload-pack=x", "prod", { repoRoot: repo })).rejects.toThrow(/must be a git ref/);
    await expect(planAtRef("HEAD", "../prod", { repoRoot: repo })).rejects.toThrow(/--stack/);
  });

  it("leaves the working tree untouched", () => {
    expect(existsSync(join(repo, "config.json"))).toBe(true);
    expect(git("status", "--porcelain")).toBe("");
  });
});

describe("the child's environment", () => {
  it("keeps PATH, HOME and the fingerprint key, and nothing else of this process", () => {
    const env = childEnv({ PATH: "/bin", HOME: "/home/u", RENFORT_PLAN_SECRET_KEY: "k", SCW_SECRET_KEY: "s", PULUMI_CONFIG_PASSPHRASE: "p", DATABASE_URL: "postgres://x" });
    expect(env).toEqual({ PATH: "/bin", HOME: "/home/u", RENFORT_PLAN_SECRET_KEY: "k" });
  });
});

describe("leftover worktrees", () => {
  it("removes at start the worktree of a run that died, and leaves a live run's alone", async () => {
    const deadTmp = scratchDir("renfort-plan-at-ref-");
    const liveTmp = scratchDir("renfort-plan-at-ref-");
    // a pid that cannot exist (above Linux's pid_max of 2^22)
    git("worktree", "add", "--lock", "--reason", "renfort plan --diff-against, pid 99999999", "--detach", join(deadTmp, "tree"), tags.base!);
    git("worktree", "add", "--lock", "--reason", `renfort plan --diff-against, pid ${process.pid}`, "--detach", join(liveTmp, "tree"), tags.base!);
    expect(worktrees()).toBe(3);
    await planAtRef(tags.base!, "prod", { repoRoot: repo, command: node });
    expect(git("worktree", "list")).not.toContain(deadTmp);
    expect(existsSync(deadTmp)).toBe(false);
    expect(git("worktree", "list")).toContain(liveTmp);
    expect(await pruneStaleWorktrees(repo)).toEqual([]);
    git("worktree", "remove", "--force", "--force", join(liveTmp, "tree"));
    rmSync(liveTmp, { recursive: true, force: true });
    expect(worktrees()).toBe(1);
  });
});

/** Runs the real `npm run plan` CLI with `--diff-against` a ref of the throwaway repository. */
function spawnPlanCli(ref: string, tmp: string) {
  const child = spawn(process.execPath, [join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO_ROOT, "tools", "plan", "cli.ts"), "--stack", "prod", "--diff-against", ref], {
    cwd: repo,
    // a credential in the environment, and a temporary directory of its own to look for leftovers in
    env: { ...process.env, TMPDIR: tmp, CLOUDFLARE_API_TOKEN: "from-the-parent-environment", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdout.on("data", () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, exited, stderr: () => stderr };
}

/** A process's group id, from /proc/<pid>/stat (after the command's closing parenthesis: state, ppid, pgrp). */
const processGroupOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[2]);

/** Whether a process (pid > 0) or any process of a group (-pgid) exists. */
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm run plan -- --diff-against (the real CLI)", () => {
  it("reads no .env and gives the child that plans the ref a minimal environment", async () => {
    const tmp = scratchDir("renfort-plan-cli-env-");
    const run = spawnPlanCli(tags.base!, tmp);
    const { code } = await run.exited;
    expect({ code, stderr: run.stderr() }).toEqual({ code: 0, stderr: "" });
    const env = JSON.parse(readFileSync(join(outside, "child-env.json"), "utf8")) as Record<string, string>;
    expect(env.RENFORT_PLAN_SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
    // npx puts the worktree's node_modules/.bin first; the rest is this process's PATH
    expect(env.PATH!.endsWith(`:${process.env.PATH}`)).toBe(true);
    expect(env.HOME).toBe(process.env.HOME);
    expect(env.SCW_SECRET_KEY).toBeUndefined();
    expect(env.RENFORT_FROM_DOTENV).toBeUndefined();
    expect(env.CLOUDFLARE_API_TOKEN).toBeUndefined();
    expect(worktrees()).toBe(1);
    expect(leftovers(tmp)).toEqual([]);
    rmSync(tmp, { recursive: true, force: true });
  }, 180_000);

  it.each(["SIGTERM", "SIGINT"] as const)("on %s, stops the child and removes its worktree", async (signal) => {
    const tmp = scratchDir("renfort-plan-cli-sig-");
    rmSync(join(outside, "child-pid"), { force: true });
    const run = spawnPlanCli(tags.sleepy!, tmp);
    // the worktree exists and the (hanging) child runs in it: interrupt the process that holds the lock
    let holder = 0;
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline && !(holder && existsSync(join(outside, "child-pid")))) {
      const reason = /^locked renfort plan --diff-against, pid (\d+)$/m.exec(git("worktree", "list", "--porcelain"));
      holder = reason ? Number(reason[1]) : 0;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(holder).toBeGreaterThan(0);
    const sleeper = Number(readFileSync(join(outside, "child-pid"), "utf8"));
    // the child's process group (npx -> tsx -> node): npx writes Node's compile cache into its TMPDIR
    // when it exits (Node 22.1+), after the sleeper itself is gone
    const group = processGroupOf(sleeper);
    expect(leftovers(tmp)).toHaveLength(1);
    process.kill(holder, signal);
    await run.exited;
    expect(worktrees()).toBe(1);
    expect(leftovers(tmp)).toEqual([]);
    // the child got SIGTERM too (give it a moment to exit)
    for (let i = 0; i < 50 && (isAlive(sleeper) || isAlive(-group)); i++) await new Promise((r) => setTimeout(r, 100));
    expect([isAlive(sleeper), isAlive(-group)]).toEqual([false, false]);
    rmSync(tmp, { recursive: true, force: true });
  }, 180_000);
});
