import { httpRequest } from "./app-harness";
import { createTestDb, serverOnlyTest, type TestDb } from "./db";
import { runBundle } from "./spawn";

/**
 * PG_POOL_MIN (the fleet sets it to PG_POOL_SIZE): the bundle opens that many connections before it
 * listens, so the first burst of requests is served without opening any (app/README.md, "Connection
 * pool"). Counted on the server, in a database of this file's own.
 */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.drop();
});

async function appConnections(): Promise<number> {
  const r = await db.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'renfort-app'",
  );
  return r.rows[0]!.n;
}

/** The listening bundle's PG_POOL_MIN, and the connections it holds: its pool's and one LISTEN client. */
const cases: Array<[string, string, number]> = [
  ["0 (the default): one connection, the start's check, kept in the pool", "0", 1 + 1],
  ["5: five opened before the server listens", "5", 5 + 1],
];

describe.each(cases)("PG_POOL_MIN=%s", (_label, min, held) => {
  serverOnlyTest("connections held once listening, and after a burst of signups", async () => {
    const p = runBundle([], { DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", PG_POOL_SIZE: "8", PG_POOL_MIN: min, MAX_EVENT_LOOP_DELAY_MS: "0", LOG_LEVEL: "info" });
    try {
      const line = await p.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/);
      const base = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
      expect(await appConnections()).toBe(held);
      // four signups at once (the readiness probe may take a fifth connection meanwhile)
      const answers = await Promise.all(
        [1, 2, 3, 4].map((i) =>
          httpRequest(base, "POST", "/api/volunteers", {
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ email: `warm-${min}-${i}@example.org`, firstName: "A", lastName: "B", zip: "75011" }),
          }),
        ),
      );
      expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 202]);
      // the warm pool served them with what it had opened (a cold one may or may not have grown)
      if (min !== "0") expect(await appConnections()).toBe(held);
    } finally {
      p.child.kill("SIGTERM");
      await p.exited;
    }
  });
});
