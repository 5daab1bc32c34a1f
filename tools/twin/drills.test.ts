/**
 * The drills end to end on a real twin (HAProxy, PostgreSQL, the app bundle, the SMTP server, the edge),
 * through the command, with short durations: PostgreSQL restarted, the SMTP server down, a release rolled
 * and releases that never get healthy (a CA the app refuses to start with, a wrong database password). Addresses in 127.0.70.0/24. Skipped with a message when haproxy
 * or the PostgreSQL server binaries are missing, except under CI where that is a failure.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { findPostgresBin } from "./postgres";
import { scratchDir } from "../../testing/scratch";

const IN_CI = !!process.env.CI && process.env.CI !== "false";
const missing = [spawnSync("haproxy", ["-v"]).status !== 0 ? "haproxy (apt-get install -y haproxy)" : "", findPostgresBin() ? "" : "the PostgreSQL server (apt-get install -y postgresql)"].filter(Boolean);
const CLI = join(__dirname, "cli.ts");
const BASE = "127.0.70.0";

function twin(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: join(__dirname, "..", ".."), encoding: "utf8", timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Fails with the command's own output (the drill's problems) when it did not exit with `status`. */
function expectExit(r: ReturnType<typeof twin>, status: number): void {
  if (r.status !== status) throw new Error(`the twin exited ${r.status}, expected ${status}:\n${r.stdout}\n${r.stderr}`);
}

interface Processes {
  running: boolean;
  processes: Array<{ pid: number; what: string; alive: boolean }>;
}

if (missing.length > 0 && IN_CI) {
  test("the twin's parts are installed (required under CI)", () => {
    throw new Error(`CI is set but ${missing.join(" and ")} is missing`);
  });
} else if (missing.length > 0) {
  console.warn(`SKIPPED drills.test.ts: ${missing.join(" and ")} is not installed, so the twin cannot run here`);
  test.skip("the drills (parts missing)", () => undefined);
} else {
  jest.setTimeout(240_000);

  describe("drills on the twin of staging", () => {
    const dir = scratchDir("renfort-twin-drills-");
    const stateDir = join(dir, "state");
    const report = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as Record<string, unknown>;
    const instances = () => (JSON.parse(twin(["status", "--state-dir", stateDir, "--json"]).stdout) as Processes).processes.filter((p) => p.what.startsWith("instance ") && p.alive);

    beforeAll(() => {
      const r = twin(["up", "--stack", "staging", "--instances", "2", "--base-address", BASE, "--state-dir", stateDir, "--client-ip-header", "cf-connecting-ip"]);
      if (r.status !== 0) throw new Error(`twin up failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    });
    afterAll(() => {
      twin(["down", "--state-dir", stateDir]);
      rmSync(dir, { recursive: true, force: true });
    });

    test("postgres-restart: 503s while away, every acknowledged signup stored once, recovery measured", () => {
      const r = twin(["drill", "postgres-restart", "--state-dir", stateDir, "--rate", "30", "--seconds", "9", "--outage", "2", "--report", join(dir, "pg.json")]);
      expect(r.stderr).toBe("");
      expectExit(r, 0);
      const rep = report("pg");
      expect(rep).toMatchObject({ drill: "postgres-restart", lostAcknowledged: 0, duplicated: 0, ok: true });
      expect(rep.answered503).toBeGreaterThan(0);
      expect(Object.keys(rep.failed as object)).toEqual(["503"]);
      expect(typeof rep.recoverySeconds).toBe("number");
    });

    test("smtp-down: mails deferred while away, each delivered exactly once afterwards", () => {
      const r = twin(["drill", "smtp-down", "--state-dir", stateDir, "--rate", "20", "--seconds", "6", "--outage", "4", "--report", join(dir, "smtp.json")]);
      expectExit(r, 0);
      const rep = report("smtp") as { acknowledged: number; failed: object; mails: { deferredWhenSmtpReturned: number; delivered: number; missing: number; deliveredTwice: number } };
      expect(rep.failed).toEqual({});
      expect(rep.mails.deferredWhenSmtpReturned).toBeGreaterThan(0);
      expect(rep.mails).toMatchObject({ delivered: rep.acknowledged, missing: 0, deliveredTwice: 0 });
    });

    test("release: the new group replaces the old one behind the gate with no failed request", () => {
      const before = instances();
      const r = twin(["drill", "release", "--state-dir", stateDir, "--rate", "30", "--seconds", "2", "--set", "LOG_LEVEL=warn", "--report", join(dir, "release.json")]);
      expectExit(r, 0);
      const rep = report("release") as { failed: object; lostAcknowledged: number; gate: { ok: boolean }; to: string[]; serving: string[]; changed: string[] };
      expect(rep).toMatchObject({ failed: {}, lostAcknowledged: 0, gate: { ok: true }, changed: ["LOG_LEVEL"] });
      expect(rep.serving).toEqual(rep.to);
      const after = instances();
      expect(after).toHaveLength(before.length);
      expect(after.every((p) => rep.to.some((g) => p.what.endsWith(`(${g})`)))).toBe(true);
      for (const p of after) expect(readFileSync(`/proc/${p.pid}/environ`, "utf8").split("\0")).toContain("LOG_LEVEL=warn");
      expect(before.some((p) => after.some((q) => q.pid === p.pid))).toBe(false);
    });

    test("a release that never gets healthy (wrong DATABASE_URL) leaves the old one serving and exits 1", () => {
      const before = instances();
      // The running release's database URL with a CA that did not sign the database's certificate: the app
      // refuses to start (a TLS problem is a configuration error), so the new instances never pass a check.
      const env = readFileSync(`/proc/${before[0].pid}/environ`, "utf8").split("\0");
      const url = new URL(env.find((kv) => kv.startsWith("DATABASE_URL="))!.slice("DATABASE_URL=".length));
      url.searchParams.set("sslrootcert", join(stateDir, "pki", "smtp.pem"));
      const r = twin(["drill", "release", "--state-dir", stateDir, "--rate", "30", "--seconds", "2", "--gate-timeout", "8", "--set", `DATABASE_URL=${url}`, "--report", join(dir, "bad.json")]);
      expectExit(r, 1);
      expect(r.stdout).toMatch(/never got healthy within 8s/);
      expect(r.stdout).not.toContain(decodeURIComponent(url.password));
      const rep = report("bad") as { failed: object; lostAcknowledged: number; gate: { ok: boolean }; from: string[]; serving: string[] };
      expect(rep).toMatchObject({ failed: {}, lostAcknowledged: 0, gate: { ok: false } });
      expect(rep.serving).toEqual(rep.from);
      expect(instances().map((p) => p.pid)).toEqual(before.map((p) => p.pid));
    });

    test("a release whose database password is wrong never passes the gate: the old one keeps serving, no visitor sees a failure, exit 1", () => {
      const before = instances();
      // The running release's database URL with a wrong password: the app starts (the database may just be
      // away) and answers /healthz, but /readyz, the load balancers' check, stays 503 since no probe succeeds.
      const env = readFileSync(`/proc/${before[0].pid}/environ`, "utf8").split("\0");
      const url = new URL(env.find((kv) => kv.startsWith("DATABASE_URL="))!.slice("DATABASE_URL=".length));
      url.password = "not-the-database-password";
      const r = twin(["drill", "release", "--state-dir", stateDir, "--rate", "30", "--seconds", "2", "--gate-timeout", "12", "--set", `DATABASE_URL=${url}`, "--report", join(dir, "password.json")]);
      expectExit(r, 1);
      expect(r.stdout).toMatch(/never got healthy within 12s/);
      expect(r.stdout + r.stderr).not.toContain("not-the-database-password");
      const rep = report("password") as { sent: number; failed: object; lostAcknowledged: number; gate: { ok: boolean; verdicts: Array<{ healthy: number }> }; from: string[]; serving: string[] };
      expect(rep).toMatchObject({ failed: {}, lostAcknowledged: 0, gate: { ok: false } });
      expect(rep.sent).toBeGreaterThan(0);
      expect(rep.gate.verdicts.every((v) => v.healthy === 0)).toBe(true);
      expect(rep.serving).toEqual(rep.from);
      expect(instances().map((p) => p.pid)).toEqual(before.map((p) => p.pid));
    });

    test("more instances than a group may run are refused before anything starts: the connection budget covers no more", () => {
      const r = twin(["up", "--stack", "staging", "--instances", "3", "--base-address", "127.0.71.0", "--state-dir", join(dir, "over")]);
      expect(r).toMatchObject({ status: 2, stderr: expect.stringMatching(/--instances 3 is above what .*maxReplicas 2.*raise renfort:fleet\.maxInstances/) });
      expect(twin(["status", "--state-dir", join(dir, "over")]).status).toBe(1);
    });

    test("unknown drill and misplaced options are usage errors naming the fix", () => {
      expect(twin(["drill", "disk-full", "--state-dir", stateDir])).toMatchObject({ status: 2, stderr: expect.stringMatching(/instance-kill, postgres-restart, smtp-down, release; got "disk-full"/) });
      expect(twin(["drill", "release", "--outage", "3", "--state-dir", stateDir])).toMatchObject({ status: 2, stderr: expect.stringMatching(/--outage applies to the postgres-restart and smtp-down drills/) });
    });
  });
}
