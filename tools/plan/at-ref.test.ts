import { execFileSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { planAtRef, PlanCommand } from "./at-ref";

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

function commit(size: number, marker: string, exitCode: number, message: string) {
  writeFileSync(join(repo, "config.json"), JSON.stringify({ size, exitCode }));
  writeFileSync(join(repo, "app", "index.js"), `module.exports = { marker: ${JSON.stringify(marker)} };`);
  git("add", "-A");
  git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-m", message);
}

const node: (stack: string, jsonPath: string) => PlanCommand = (stack, jsonPath) => ({
  file: process.execPath,
  args: ["tools/plan/cli.js", "--stack", stack, "--json", jsonPath],
});

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "renfort-at-ref-test-"));
  git("init", "-q", "-b", "main");
  writeFileSync(join(repo, ".gitignore"), "node_modules/\n");
  writeFileSync(join(repo, "package.json"), JSON.stringify({ name: "t", workspaces: ["app"] }));
  mkdirSync(join(repo, "app"));
  writeFileSync(join(repo, "app", "package.json"), JSON.stringify({ name: "@t/app", main: "index.js" }));
  mkdirSync(join(repo, "tools", "plan"), { recursive: true });
  writeFileSync(join(repo, "tools", "plan", "cli.js"), cli);
  // installed dependencies: a registry package and the workspace link npm creates
  mkdirSync(join(repo, "node_modules", "fake-dep"), { recursive: true });
  writeFileSync(join(repo, "node_modules", "fake-dep", "index.js"), "module.exports = { version: '1.2.3' };");
  mkdirSync(join(repo, "node_modules", "@t"), { recursive: true });
  symlinkSync("../../app", join(repo, "node_modules", "@t", "app"), "dir");
  commit(3, "base", 0, "base");
  commit(5, "violations", 1, "with violations");
  commit(8, "head", 2, "broken");
});

afterAll(() => rmSync(repo, { recursive: true, force: true }));

const worktrees = () => git("worktree", "list").split("\n").length;

describe("planAtRef", () => {
  it("plans the program as it was at the ref, with the ref's own workspace code", async () => {
    const plan = await planAtRef("HEAD~2", "prod", { repoRoot: repo, command: node });
    expect(plan.stack).toBe("prod");
    expect(plan.resources[0]!.inputs).toEqual({ size: 3 });
    expect(plan.outputs).toEqual({ dep: "1.2.3", app: "base" });
    expect(worktrees()).toBe(1);
  });

  it("accepts exit code 1 (policy violations) and reads the JSON", async () => {
    const plan = await planAtRef("HEAD~1", "staging", { repoRoot: repo, command: node });
    expect(plan.resources[0]!.inputs).toEqual({ size: 5 });
    expect(plan.outputs.app).toBe("violations");
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
