import { buildApp } from "../src/app";
import { loadConfig } from "../src/config";
import { createPool } from "../src/db";
import { migrationNames } from "../src/migrate";
import { httpRequest, startApp, type Harness } from "./app-harness";
import { createTestDb, type TestDb } from "./db";

/**
 * `/readyz` goes through admission control like every route (an instance shedding load is not ready)
 * and never lists migration names. That it is off the internet is the edge's and the load balancers'
 * job: components/edge/rules.ts (block_internal_paths), components/origin/acls.ts.
 */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.drop();
});

test("while the pool's queue is over MAX_POOL_QUEUE, /readyz is shed with the same 503 overloaded as any route; /healthz still answers", async () => {
  const h: Harness = await startApp(db, { PG_POOL_SIZE: "1", MAX_POOL_QUEUE: "0", PG_POOL_WAIT_MS: "5000" });
  try {
    // one query holds the only connection, a second waits: waitingCount 1 > MAX_POOL_QUEUE 0
    const busy = [h.app.db.pool.query("SELECT pg_sleep(1.5)"), h.app.db.pool.query("SELECT 1")];
    await new Promise((r) => setTimeout(r, 100));
    expect(h.app.db.pool.waitingCount).toBe(1);
    const t0 = Date.now();
    const ready = await h.request("GET", "/readyz");
    expect([ready.statusCode, ready.json(), ready.headers["retry-after"] !== undefined]).toEqual([503, { error: "overloaded" }, true]);
    expect(Date.now() - t0).toBeLessThan(500); // refused at admission, not after waiting for the pool
    const missions = await h.request("GET", "/api/missions");
    expect([missions.statusCode, missions.json()]).toEqual([503, { error: "overloaded" }]);
    expect((await h.request("GET", "/healthz")).statusCode).toBe(200);
    await Promise.all(busy);
    expect((await h.request("GET", "/readyz")).statusCode).toBe(200);
  } finally {
    await h.close();
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
