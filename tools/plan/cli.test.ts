/**
 * The plan as a user runs it: a child process, its exit code, what it prints and writes.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./plan";
import { stackFileWith } from "./testing";
import { scratchDir } from "../../testing/scratch";

const tmp = scratchDir("renfort-plan-cli-");

function plan(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO_ROOT, "tools", "plan", "cli.ts"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("npm run plan", () => {
  it("plans prod, prints the inventory by component and writes parseable JSON holding every resource", () => {
    const json = join(tmp, "prod.json");
    const md = join(tmp, "prod.md");
    const r = plan("--stack", "prod", "--json", json, "--markdown", md);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    const count = Number(/Stack prod \(renfort\): (\d+) resources/.exec(r.out)?.[1]);
    expect(doc.resources).toHaveLength(count);
    expect(r.out).toMatch(/renfort:edge:Edge/);
    expect(r.out).toMatch(/renfort:database:Database/);
    expect(readFileSync(md, "utf8")).toMatch(/^# Offline plan: prod/);
  });

  it.each([
    ["a wrong type", /maxInstances: 12/, "maxInstances: twelve", /renfort:fleet\.maxInstances must be a number, got "twelve"/],
    ["a missing required key", / {4}targetSignupsPerSecond: 600\n/, "", /renfort:capacity\.targetSignupsPerSecond is required/],
    ["an unknown key", / {2}renfort:app:\n/, "  renfort:app:\n    degradedMod: true\n", /renfort:app\.degradedMod is not a known key/],
  ])("exits 2 on %s, naming the key", (_label, from, to, message) => {
    const r = plan("--stack", "prod", "--config-file", stackFileWith("prod", from, to));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it("exits 2 on a usage error, on stderr with a pointer to --help", () => {
    const r = plan("--stak", "prod");
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^plan: Unknown option '--stak'/);
    expect(r.err).toMatch(/npm run plan -- --help lists the options/);
  });

  it("writes the Plan JSON alone on stdout with --json -, the report on stderr, relative paths from INIT_CWD", () => {
    const dir = scratchDir("renfort-plan-stdout-");
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO_ROOT, "tools", "plan", "cli.ts"), "--stack", "staging", "--json", "-", "--markdown", "plan.md"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, FORCE_COLOR: "0", INIT_CWD: dir },
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.stack).toBe("staging");
    expect(doc.resources.length).toBeGreaterThan(10);
    expect(r.stderr).toMatch(/Stack staging \(renfort\): \d+ resources/);
    // not a terminal: no progress line
    expect(r.stderr).not.toMatch(/\r/);
    expect(readFileSync(join(dir, "plan.md"), "utf8")).toMatch(/^# Offline plan: staging/);
  });

  it("exits 1 when a mandatory policy is violated, naming the policy and the resource", () => {
    const r = plan("--stack", "prod", "--config-file", stackFileWith("prod", /highAvailability: true/, "highAvailability: false"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/violates \d+ mandatory polic/);
    expect(r.err).toMatch(/databases\/instance:Instance/);
  });
});
