/**
 * Plans the program as it was at a git ref, for the plan diff (`npm run plan -- --stack s --diff-against <ref>`).
 *
 * The ref is checked out in a temporary `git worktree` (https://git-scm.com/docs/git-worktree) so the
 * working tree under review is never touched, and the plan runs there in a child process: Pulumi's
 * runtime keeps module-level state, so two programs cannot be evaluated in one process.
 *
 * Dependencies are not installed again: the worktree gets a `node_modules` whose entries link to the
 * current checkout's, except the npm workspaces (`app/`, `policies/`), which link to the worktree's own
 * copies so the base ref's policy pack and app are the ones evaluated. A ref whose lockfile differs
 * is planned with today's dependencies; the diff then shows provider-version effects as changes.
 *
 * The child runs the other ref's code: it gets a minimal environment (`childEnv`: PATH, HOME, the
 * locale, the temporary directory and the diff's fingerprint key), never this process's credentials.
 * The worktree is locked with this process's pid as reason; it is removed when the plan ends, on SIGINT
 * or SIGTERM, and, if this process was killed outright, by the next run (`pruneStaleWorktrees`).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { promisify } from "util";
import { assertPlanJson, PlanJson, SECRET_FINGERPRINT_KEY_ENV } from "./plan-json";

const execFileAsync = promisify(execFile);

export interface PlanCommand {
  file: string;
  args: string[];
}

export interface PlanAtRefOptions {
  /** Repository whose history holds the ref; default: the git top level of the current directory. */
  repoRoot?: string;
  /** How to run the plan inside the worktree; default `npx tsx tools/plan/cli.ts --stack <s> --json <path>`. */
  command?: (stack: string, jsonPath: string) => PlanCommand;
  /** Environment of the child process; default: `childEnv(process.env)`. */
  env?: NodeJS.ProcessEnv;
  /** Give up after this long; default 10 minutes (two cores, four provider SDKs to load). */
  timeoutMs?: number;
  /** Told each phase (worktree, dependencies, the child's plan) as it starts: the CLI shows it on a terminal. */
  onPhase?: (phase: string) => void;
}

/** Exit codes of tools/plan/cli.ts that still wrote a plan: 0 clean, 1 policy violations. */
const PLAN_WRITTEN_EXIT_CODES = new Set([0, 1]);

/**
 * What the child that plans another ref may see of this process's environment: enough to find node
 * and npx, write its caches and temporary files, and key the secrets' fingerprints like this side.
 * Credentials (PULUMI_*, SCW_*, CLOUDFLARE_*, AWS_*, DATABASE_URL...) are never passed: the other ref's
 * code needs none, and it is code this review has not vetted.
 */
export const CHILD_ENV_KEYS = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "CI", "NO_COLOR", "FORCE_COLOR", SECRET_FINGERPRINT_KEY_ENV] as const;

export function childEnv(parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of CHILD_ENV_KEYS) if (parent[key] !== undefined) env[key] = parent[key];
  return env;
}

/** Lock reason of the worktrees this tool adds; the pid tells a live run's worktree from a leftover. */
const LOCK_REASON_PREFIX = "renfort plan --diff-against, pid ";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes what earlier runs left behind: worktree entries whose directory is gone (`git worktree
 * prune`), and worktrees this tool locked for a process that no longer exists (killed with SIGKILL, or
 * a machine that stopped). Another live run's worktree is left alone. Returns the paths removed.
 */
export async function pruneStaleWorktrees(repoRoot: string): Promise<string[]> {
  await git(repoRoot, ["worktree", "prune"]);
  const removed: string[] = [];
  const blocks = (await git(repoRoot, ["worktree", "list", "--porcelain"])).split(/\n\n+/);
  for (const block of blocks) {
    const path = /^worktree (.+)$/m.exec(block)?.[1];
    const reason = /^locked (.+)$/m.exec(block)?.[1];
    if (!path || !reason?.startsWith(LOCK_REASON_PREFIX)) continue;
    const pid = Number(reason.slice(LOCK_REASON_PREFIX.length));
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
    await git(repoRoot, ["worktree", "remove", "--force", "--force", path]).catch(() => undefined);
    // the worktree sits in <tmp>/renfort-plan-at-ref-*/tree: remove the temporary directory too
    if (/renfort-plan-at-ref-[^/]+\/tree$/.test(path)) rmSync(join(path, ".."), { recursive: true, force: true });
    removed.push(path);
  }
  await git(repoRoot, ["worktree", "prune"]);
  return removed;
}

export function defaultPlanCommand(stack: string, jsonPath: string): PlanCommand {
  return { file: "npx", args: ["tsx", "tools/plan/cli.ts", "--stack", stack, "--json", jsonPath] };
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("git", args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Workspace directories (relative) declared in a package.json, with `dir/*` globs expanded. */
export function workspaceDirs(root: string): string[] {
  const pkgPath = join(root, "package.json");
  if (!existsSync(pkgPath)) return [];
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { workspaces?: string[] | { packages?: string[] } };
  const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
  const dirs: string[] = [];
  for (const p of patterns) {
    if (p.endsWith("/*")) {
      const parent = p.slice(0, -2);
      if (!existsSync(join(root, parent))) continue;
      for (const e of readdirSync(join(root, parent), { withFileTypes: true })) if (e.isDirectory()) dirs.push(`${parent}/${e.name}`);
    } else dirs.push(p.replace(/\/$/, ""));
  }
  return dirs.filter((d) => existsSync(join(root, d, "package.json")));
}

/**
 * Gives `worktree` the dependencies of `source`: every top-level package links to the source's copy,
 * workspace packages link to the worktree's own directories, and each workspace's nested
 * `node_modules` links to the source's.
 */
export function linkNodeModules(source: string, worktree: string): void {
  const srcModules = join(source, "node_modules");
  if (!existsSync(srcModules)) {
    throw new Error(`${srcModules} is missing: run \`npm ci\` in ${source} before planning another ref`);
  }
  const own = new Map<string, string>();
  for (const dir of workspaceDirs(worktree)) {
    const name = (JSON.parse(readFileSync(join(worktree, dir, "package.json"), "utf8")) as { name?: string }).name;
    if (name) own.set(name, join(worktree, dir));
  }
  const dstModules = join(worktree, "node_modules");
  mkdirSync(dstModules, { recursive: true });
  const link = (name: string, from: string, to: string) => symlinkSync(own.get(name) ?? from, to, "dir");
  for (const entry of readdirSync(srcModules)) {
    if (entry.startsWith("@")) {
      mkdirSync(join(dstModules, entry), { recursive: true });
      for (const child of readdirSync(join(srcModules, entry))) {
        link(`${entry}/${child}`, join(srcModules, entry, child), join(dstModules, entry, child));
      }
    } else {
      link(entry, join(srcModules, entry), join(dstModules, entry));
    }
  }
  for (const dir of workspaceDirs(source)) {
    const nested = join(source, dir, "node_modules");
    if (existsSync(nested) && existsSync(join(worktree, dir)) && !existsSync(join(worktree, dir, "node_modules"))) {
      symlinkSync(nested, join(worktree, dir, "node_modules"), "dir");
    }
  }
}

/** SIGTERM to the child's whole process group. */
function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}

function run(
  cmd: PlanCommand,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  started: (child: ChildProcess) => void,
): Promise<{ code: number | null; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    // its own process group, so that stopping it reaches what it starts (npx -> tsx -> node)
    const child = spawn(cmd.file, cmd.args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    started(child);
    let stderr = "";
    const keep = (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    };
    child.stderr.on("data", keep);
    // stdout is the human plan report; only the JSON file is read, but the pipe must be drained.
    child.stdout.on("data", () => undefined);
    const timer = setTimeout(() => stopGroup(child), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderrTail: stderr });
    });
  });
}

/**
 * The Plan JSON of `stack` as the program stood at `ref` (a branch, tag or commit).
 * Throws when the ref does not exist, or the plan failed without writing its JSON (exit code >= 2).
 */
export async function planAtRef(ref: string, stack: string, options: PlanAtRefOptions = {}): Promise<PlanJson> {
  if (ref.startsWith("-") || ref.trim() === "") throw new Error(`--diff-against must be a git ref, got "${ref}"`);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || stack.includes("..")) throw new Error(`--stack must be a stack name such as staging or prod, got "${stack}"`);
  const repoRoot = options.repoRoot ?? (await git(process.cwd(), ["rev-parse", "--show-toplevel"]));
  let commit: string;
  try {
    commit = await git(repoRoot, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  } catch {
    throw new Error(
      `--diff-against ${ref}: no such commit in ${repoRoot}. Fetch it first (in CI, actions/checkout with fetch-depth: 0, or git fetch origin <branch>)`,
    );
  }
  await pruneStaleWorktrees(repoRoot).catch(() => undefined);
  const tmp = mkdtempSync(join(tmpdir(), "renfort-plan-at-ref-"));
  const tree = join(tmp, "tree");
  const jsonPath = join(tmp, "plan.json");
  let added = false;
  let child: ChildProcess | undefined;
  // Interrupted (Ctrl-C, a CI cancel): stop the child, remove the worktree, then die of the same signal.
  const onSignal = (signal: NodeJS.Signals) => {
    if (child) stopGroup(child);
    try {
      execFileSync("git", ["worktree", "remove", "--force", "--force", tree], { cwd: repoRoot, stdio: "ignore" });
    } catch {
      // not added yet, or already gone: the directory removal and the next run's prune cover it
    }
    rmSync(tmp, { recursive: true, force: true });
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const phase = options.onPhase ?? (() => undefined);
  try {
    phase(`checking ${ref} out in a temporary worktree`);
    await git(repoRoot, ["worktree", "add", "--lock", "--reason", `${LOCK_REASON_PREFIX}${process.pid}`, "--detach", tree, commit]);
    added = true;
    linkNodeModules(repoRoot, tree);
    phase(`planning ${stack} at ${ref} (${commit.slice(0, 12)}) in a child process`);
    const cmd = (options.command ?? defaultPlanCommand)(stack, jsonPath);
    const { code, stderrTail } = await run(cmd, tree, options.env ?? childEnv(process.env), options.timeoutMs ?? 600_000, (c) => {
      child = c;
    });
    if (code === null || !PLAN_WRITTEN_EXIT_CODES.has(code)) {
      throw new Error(
        `plan of stack ${stack} at ${ref} (${commit.slice(0, 12)}) failed with exit code ${code ?? "signal"}:\n${stderrTail.trim()}`,
      );
    }
    if (!existsSync(jsonPath)) {
      throw new Error(`plan of stack ${stack} at ${ref} exited ${code} without writing ${jsonPath}: does that ref have tools/plan/cli.ts with --json?`);
    }
    return assertPlanJson(JSON.parse(readFileSync(jsonPath, "utf8")), `plan of ${stack} at ${ref}`);
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    if (added) {
      // twice --force: the worktree is locked
      await git(repoRoot, ["worktree", "remove", "--force", "--force", tree]).catch(() => undefined);
    }
    rmSync(tmp, { recursive: true, force: true });
    await git(repoRoot, ["worktree", "prune"]).catch(() => undefined);
  }
}
