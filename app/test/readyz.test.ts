import { randomBytes } from "node:crypto";
import pg from "pg";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config";
import { createPool } from "../src/db";
import { migrationNames } from "../src/migrate";
import { httpRequest, startApp, type Harness } from "./app-harness";
import { createTestDb, schema, serverOnlyTest, withDatabase, type TestDb } from "./db";
import { findPostgresBin, startPrivateCluster, type PrivateCluster } from "./private-pg";
import { runBundle, until, type Proc } from "./spawn";

/**
 * `/readyz` is the load balancers' backend check (components/origin), hence the fleet's release gate:
 * "this instance can take traffic". It reports the latest result of a background database probe
 * (src/readiness.ts), runs no query itself, is not shed by admission control, turns 503 at once on
 * SIGTERM while the server still serves, and names no migration. That it is off the internet is the
 * edge's and the load balancers' job: components/edge/rules.ts (block_internal_paths), components/origin/acls.ts.
 */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.drop();
});

async function listening(p: Proc): Promise<string> {
  const line = await p.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/, 30_000);
  return /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
}

/** Every answer of /readyz over `ms`, one every 50 ms. */
async function readyzDuring(base: string, ms: number): Promise<number[]> {
  const seen: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    seen.push((await httpRequest(base, "GET", "/readyz")).statusCode);
    await new Promise((r) => setTimeout(r, 50));
  }
  return seen;
}

const bin = findPostgresBin();
const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";

describe("a process whose database password is wrong never becomes ready; with the right one it does", () => {
  let cluster: PrivateCluster | undefined;
  afterAll(async () => {
    await cluster?.destroy();
  });
  // The shared server trusts every local connection (any password works there), so this uses a private
  // cluster that checks passwords (SCRAM), as the managed database does.
  (bin || ci ? test : test.skip)(
    "wrong password: /healthz 200, /readyz 503 database_unavailable for probe after probe; right password: /readyz 200",
    async () => {
      if (!bin) throw new Error("CI=true but no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin: install postgresql");
      cluster = await startPrivateCluster(bin, { passwords: true });
      const role = `renfort_ready_${randomBytes(4).toString("hex")}`;
      const password = randomBytes(12).toString("hex");
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
        await admin.query(`CREATE DATABASE ${role} OWNER ${role}`);
      } finally {
        await admin.end();
      }
      const good = new URL(withDatabase(cluster.url, role));
      good.username = role;
      good.password = password;
      const { runMigrations } = await import("../src/migrate");
      await runMigrations(good.toString(), { schema });
      const bad = new URL(good);
      bad.password = "not-the-password";

      const env = { PORT: "0", HOST: "127.0.0.1", MAX_EVENT_LOOP_DELAY_MS: "0", READINESS_PROBE_MS: "100", LOG_LEVEL: "info" };
      const wrong = runBundle([], { ...env, DATABASE_URL: bad.toString() });
      try {
        const base = await listening(wrong);
        expect((await httpRequest(base, "GET", "/healthz")).statusCode).toBe(200);
        const r = await httpRequest(base, "GET", "/readyz");
        expect([r.statusCode, r.json()]).toEqual([503, { status: "not_ready", reason: "database_unavailable" }]);
        // twenty probe periods and more: never ready
        const seen = await readyzDuring(base, 2000);
        expect(seen.length).toBeGreaterThan(5);
        expect(seen.filter((s) => s !== 503)).toEqual([]);
        expect(wrong.stdout.join("\n")).toMatch(/readiness probe failed/);
        expect(wrong.stdout.join("\n")).not.toContain("not-the-password");
      } finally {
        wrong.child.kill("SIGKILL");
        await wrong.exited;
      }

      const right = runBundle([], { ...env, DATABASE_URL: good.toString() });
      try {
        const base = await listening(right);
        await until(async () => (await httpRequest(base, "GET", "/readyz")).statusCode === 200, 10_000);
        expect((await httpRequest(base, "GET", "/readyz")).json()).toEqual({ status: "ready", degraded: false });
      } finally {
        right.child.kill("SIGKILL");
        await right.exited;
      }
    },
    90_000,
  );
});

test("SIGTERM turns /readyz 503 at once while the server keeps serving, then it drains and exits 0", async () => {
  const p = runBundle([], { DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", MAX_EVENT_LOOP_DELAY_MS: "0", SHUTDOWN_DRAIN_MS: "4000", LOG_LEVEL: "info" });
  try {
    const base = await listening(p);
    expect((await httpRequest(base, "GET", "/readyz")).statusCode).toBe(200);
    p.child.kill("SIGTERM");
    await p.waitFor(/not ready, draining/, 10_000);
    // the load balancers now see 503 and take the instance out...
    const r = await httpRequest(base, "GET", "/readyz");
    expect([r.statusCode, r.json()]).toEqual([503, { status: "not_ready", reason: "draining" }]);
    // ...while it still accepts new connections and serves what they send meanwhile
    expect((await httpRequest(base, "GET", "/healthz", { headers: { connection: "close" } })).statusCode).toBe(200);
    expect((await httpRequest(base, "GET", "/api/missions", { headers: { connection: "close" } })).statusCode).toBe(200);
    expect(await p.exited).toBe(0);
  } finally {
    if (p.child.exitCode === null) p.child.kill("SIGKILL");
  }
});

test("a full pool queue sheds the routes with 503 overloaded but not /readyz, even past the readiness grace", async () => {
  // The grace far shorter than the overload: a probe that timed out behind the queue would turn the
  // instance not ready if it counted as a database failure.
  const h: Harness = await startApp(db, { PG_POOL_SIZE: "1", MAX_POOL_QUEUE: "0", PG_POOL_WAIT_MS: "5000", READINESS_PROBE_MS: "100", READINESS_GRACE_MS: "300" });
  try {
    expect((await h.request("GET", "/readyz")).statusCode).toBe(200);
    // one query holds the only connection, a second waits: waitingCount 1 > MAX_POOL_QUEUE 0
    const busy = [h.app.db.pool.query("SELECT pg_sleep(2.5)"), h.app.db.pool.query("SELECT 1")];
    await until(async () => h.app.db.pool.waitingCount >= 1, 2000, 10);
    const missions = await h.request("GET", "/api/missions");
    expect([missions.statusCode, missions.json(), missions.headers["retry-after"] !== undefined]).toEqual([503, { error: "overloaded" }, true]);
    const seen = await readyzDuring(h.baseUrl, 1500);
    expect(h.app.db.pool.waitingCount).toBeGreaterThanOrEqual(1); // still overloaded at the end
    expect(seen.filter((s) => s !== 200)).toEqual([]);
    await Promise.all(busy);
    expect((await h.request("GET", "/readyz")).statusCode).toBe(200);
  } finally {
    await h.close();
  }
});

serverOnlyTest("once ready, a database the instance cannot reach turns it not ready only after the grace, and ready again when it is back", async () => {
  // The app connects as a role of its own, which the test then forbids to log in and disconnects.
  const role = `renfort_grace_${randomBytes(4).toString("hex")}`;
  await db.pool.query(`CREATE ROLE ${role} LOGIN`);
  await db.pool.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
  const url = new URL(db.url);
  url.username = role;
  const own: TestDb = { ...db, url: url.toString() };
  const grace = 1500;
  const h = await startApp(own, { READINESS_PROBE_MS: "100", READINESS_GRACE_MS: String(grace), PG_POOL_WAIT_MS: "500" });
  try {
    expect((await h.request("GET", "/readyz")).statusCode).toBe(200);
    await db.pool.query(`ALTER ROLE ${role} NOLOGIN`);
    await db.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [role]);
    const cut = Date.now();
    // within the grace the instance stays in the load balancers (the app answers its own 503s)...
    const during = await readyzDuring(h.baseUrl, grace / 2);
    expect(during.filter((s) => s !== 200)).toEqual([]);
    // ...past it, it leaves them
    await until(async () => (await h.request("GET", "/readyz")).statusCode === 503, 15_000);
    expect(Date.now() - cut).toBeGreaterThanOrEqual(grace);
    expect((await h.request("GET", "/readyz")).json()).toEqual({ status: "not_ready", reason: "database_unavailable" });
    await db.pool.query(`ALTER ROLE ${role} LOGIN`);
    await until(async () => (await h.request("GET", "/readyz")).statusCode === 200, 15_000);
  } finally {
    await h.close();
    await db.pool.query(`REASSIGN OWNED BY ${role} TO postgres; DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
  }
});

test("with a migration pending, /readyz says so without naming it", async () => {
  // this release ships one migration more than the database has
  const pending = "9999999999999_add-secret-feature";
  const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: "silent" });
  const pool = createPool(config, db.url);
  const app = await buildApp({ config, pool, migrations: [...migrationNames(), pending], namedStatements: db.mode === "server" });
  try {
    const r = await httpRequest(await app.listen({ port: 0, host: "127.0.0.1" }), "GET", "/readyz");
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ status: "not_ready", reason: "migrations_pending" });
    for (const name of [pending, ...migrationNames()]) expect(r.body).not.toContain(name);
  } finally {
    await app.close();
    await pool.end();
  }
});
