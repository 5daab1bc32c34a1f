import { randomBytes } from "node:crypto";
import pg from "pg";
import { APPLY_INSERT_SQL, MISSION_SQL, ORGANIZATION_BY_TOKEN_SQL, SIGNUP_INSERT_SQL, SIGNUP_NEW_SQL, SIGNUP_EXISTING_SQL, CONFIRMATION_USE_SQL, CONFIRMATION_STATE_SQL, TAKE_PLACE_SQL, VOLUNTEER_BY_EMAIL_SQL, listMissionsQuery } from "../src/db/queries";
import { CLAIM_SQL } from "../src/outbox";
import { migrationNames, migrationStatus, runMigrations } from "../src/migrate";
import { createTestDb, serverOnlyTest, schema, schemaPool, withDatabase, type TestDb } from "./db";
import { httpRequest, startApp } from "./app-harness";
import { runBundle, until } from "./spawn";

/**
 * The launch lesson "PostgreSQL does not index foreign keys": the catalog must show an index for
 * every foreign key, and the signup path must plan index scans only.
 */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.drop();
});

/** Foreign keys of the current schema without an index whose leading columns are the key's columns. */
const UNINDEXED_FKS = `
SELECT c.conrelid::regclass::text AS "table", c.conname AS "constraint"
FROM pg_constraint c
WHERE c.contype = 'f'
  AND c.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
  AND NOT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = c.conrelid
      AND i.indpred IS NULL
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] <@ c.conkey
  )
ORDER BY 1, 2`;

test("every foreign key has an index (and the check finds one that has none)", async () => {
  const c = await db.pool.connect();
  try {
    expect((await c.query(UNINDEXED_FKS)).rows).toEqual([]);
    // the check itself must be able to fail
    await c.query("BEGIN");
    await c.query("CREATE TABLE fk_probe (id int PRIMARY KEY, volunteer_id uuid REFERENCES volunteers (id))");
    expect((await c.query(UNINDEXED_FKS)).rows).toEqual([{ table: "fk_probe", constraint: "fk_probe_volunteer_id_fkey" }]);
    await c.query("CREATE INDEX ON fk_probe (volunteer_id, id)");
    expect((await c.query(UNINDEXED_FKS)).rows).toEqual([]);
    await c.query("ROLLBACK");
  } finally {
    c.release();
  }
});

function planNodes(plan: unknown, out: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  if (Array.isArray(plan)) plan.forEach((p) => planNodes(p, out));
  else if (plan && typeof plan === "object") {
    const node = plan as Record<string, unknown>;
    if ("Node Type" in node) out.push(node);
    for (const v of Object.values(node)) if (typeof v === "object") planNodes(v, out);
  }
  return out;
}

test("the signup and application paths plan no sequential scan", async () => {
  // Some rows, fresh statistics, and sequential scans priced out: a plan that still picks one has no index to use.
  await db.pool.query(`INSERT INTO volunteers (email, first_name, last_name, zip)
    SELECT 'seed' || g || '@example.org', 'A', 'B', '75011' FROM generate_series(1, 2000) g`);
  await db.pool.query(`INSERT INTO organizations (name, email, zip, status, token_hash) VALUES ('O', 'o@example.org', '75011', 'validated', '\\x01')`);
  await db.pool.query(`INSERT INTO missions (organization_id, title, description, zip, department, places)
    SELECT (SELECT id FROM organizations LIMIT 1), 'M' || g, 'D', '750' || lpad((g % 20)::text, 2, '0'), '75', 10 FROM generate_series(1, 500) g`);
  await db.pool.query("ANALYZE");
  const c = await db.pool.connect();
  try {
    await c.query("SET enable_seqscan = off");
    const queries: Array<[string, string, unknown[]]> = [
      ["signup of a new address", SIGNUP_NEW_SQL, ["y@example.org", "A", "B", "75011", null, null, Buffer.alloc(32), "volunteer_confirmation", { firstName: "A" }]],
      ["signup", SIGNUP_INSERT_SQL, ["x@example.org", "A", "B", "75011", null, null]],
      ["signup of a registered address", SIGNUP_EXISTING_SQL, ["Seed7@example.org"]],
      ["use a confirmation token", CONFIRMATION_USE_SQL, [Buffer.alloc(32)]],
      ["confirmation token state", CONFIRMATION_STATE_SQL, [Buffer.alloc(32)]],
      ["volunteer by email", VOLUNTEER_BY_EMAIL_SQL, ["Seed7@example.org"]],
      ["mission by id", MISSION_SQL, ["1"]],
      ["take a place", TAKE_PLACE_SQL, ["1"]],
      ["apply", APPLY_INSERT_SQL, ["1", "00000000-0000-0000-0000-000000000000"]],
      ["missions by department", listMissionsQuery({ department: "75" }).text, ["75"]],
      ["missions by zip", listMissionsQuery({ zip: "75011" }).text, ["75011"]],
      // The statements the app runs, imported: a change to one is checked here as it ships.
      ["organization by token", ORGANIZATION_BY_TOKEN_SQL, [Buffer.from([1]), "00000000-0000-0000-0000-000000000000"]],
      ["outbox claim", CLAIM_SQL, [20, 30_000]],
    ];
    for (const [name, sql, values] of queries) {
      const r = await c.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, values);
      const nodes = planNodes(r.rows[0]!["QUERY PLAN"]);
      const seq = nodes.filter((n) => n["Node Type"] === "Seq Scan").map((n) => n["Relation Name"]);
      expect([name, seq]).toEqual([name, []]);
      if (name === "signup" || name === "signup of a new address") {
        const insert = nodes.find((n) => n["Node Type"] === "ModifyTable" && n["Relation Name"] === "volunteers");
        expect(insert?.["Conflict Arbiter Indexes"]).toEqual(["volunteers_email_lower_key"]);
      }
    }
    await c.query("RESET enable_seqscan");
  } finally {
    c.release();
  }
});

test("/readyz is 503 while a migration file is not applied, 200 once it is", async () => {
  const names = migrationNames();
  expect(names.length).toBeGreaterThan(0);
  const fresh = await createTestDb({ migrate: false });
  const h = await startApp(fresh);
  try {
    expect((await migrationStatus(fresh.pool, names)).pending).toEqual(names);
    const before = await httpRequest(h.baseUrl, "GET", "/readyz");
    expect(before.statusCode).toBe(503);
    expect(before.headers["retry-after"]).toBe("10");
    expect(before.json()).toMatchObject({ reason: "migrations_pending" });
    expect(await runMigrations(fresh.url, { schema })).toEqual(names);
    // the background probe (every 200 ms in tests) sees it
    await until(async () => (await httpRequest(h.baseUrl, "GET", "/readyz")).statusCode === 200, 10_000);
    // the tables and node-pg-migrate's own table are in the app's schema, nothing in public
    const tables = await fresh.pool.query<{ schemaname: string; tablename: string }>(
      "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('public', $1) ORDER BY 2",
      [schema],
    );
    expect(tables.rows.map((t) => t.schemaname)).toEqual(tables.rows.map(() => schema));
    expect(tables.rows.map((t) => t.tablename)).toEqual(expect.arrayContaining(["pgmigrations", "volunteers", "email_outbox"]));
    // down then up again: the down migration works and re-applying is clean
    await runMigrations(fresh.url, { schema, direction: "down", count: names.length });
    // a pending migration turns a ready instance not ready at once (no grace: waiting fixes nothing)
    await until(async () => (await httpRequest(h.baseUrl, "GET", "/readyz")).statusCode === 503, 10_000);
    expect(await runMigrations(fresh.url, { schema })).toEqual(names);
    expect(await runMigrations(fresh.url, { schema })).toEqual([]);
  } finally {
    await h.close();
    await fresh.drop();
  }
});

serverOnlyTest("as on Scaleway: the migrator owns the schema but may not create schemas; migrations and the app work through default privileges", async () => {
  const suffix = randomBytes(4).toString("hex");
  const [migrator, appRole, dbName] = [`renfort_t_migrator_${suffix}`, `renfort_t_app_${suffix}`, `renfort_t_roles_${suffix}`];
  const admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${migrator} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    await admin.query(`CREATE ROLE ${appRole} LOGIN NOSUPERUSER`);
    // What the platform does (components/database), not the migrations: a database the migrator does
    // not own (no CREATE on it: no new schema), the schema owned by the migrator, DML for the app
    // through default privileges on whatever the migrator creates.
    await admin.query(`CREATE DATABASE ${dbName}`);
    const asAdminOnDb = new pg.Client({ connectionString: withDatabase(db.adminUrl!, dbName) });
    await asAdminOnDb.connect();
    await asAdminOnDb.query(`REVOKE CREATE, TEMPORARY ON DATABASE ${dbName} FROM PUBLIC`);
    await asAdminOnDb.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await asAdminOnDb.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${migrator}`);
    await asAdminOnDb.query(`GRANT USAGE ON SCHEMA ${schema} TO ${appRole}`);
    await asAdminOnDb.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${migrator} IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${appRole}`);
    await asAdminOnDb.end();
    const migratorUrl = withDatabase(new URL(db.adminUrl!).toString().replace(/\/\/[^@]*@/, `//${migrator}@`), dbName);
    // `CREATE SCHEMA IF NOT EXISTS` would be refused here although the schema exists
    const probe = new pg.Client({ connectionString: migratorUrl });
    await probe.connect();
    await expect(probe.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)).rejects.toThrow(/permission denied for database/);
    await probe.end();
    // and a schema that does not exist cannot be created: the error names the setting and the fix
    await expect(runMigrations(migratorUrl, { schema: "renfort_missing" })).rejects.toThrow(/DATABASE_SCHEMA "renfort_missing" does not exist.*AUTHORIZATION/);
    // the release step exactly as deployed: the bundle's `migrate` command, DATABASE_SCHEMA left at its default
    const release = runBundle(["migrate"], { DATABASE_URL: migratorUrl });
    expect([await release.exited, release.stderr]).toEqual([0, ""]);
    expect(release.stdout.join("\n")).toMatch(new RegExp(`applied ${migrationNames().length} migration`));
    expect(await runMigrations(migratorUrl, { schema })).toEqual([]);
    const appUrl = migratorUrl.replace(`//${migrator}@`, `//${appRole}@`);
    const appDb: TestDb = { mode: "server", url: appUrl, pool: schemaPool(appUrl, 2), drop: async () => undefined };
    const h = await startApp(appDb);
    try {
      const r = await httpRequest(h.baseUrl, "POST", "/api/volunteers", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "role@example.org", firstName: "A", lastName: "B", zip: "75011" }),
      });
      expect(r.statusCode).toBe(202);
      expect((await httpRequest(h.baseUrl, "GET", "/readyz")).statusCode).toBe(200);
      // the app role cannot change the schema
      await expect(appDb.pool.query("DROP TABLE volunteers CASCADE")).rejects.toThrow(/must be owner/);
      const where = await appDb.pool.query<{ s: string }>("SELECT schemaname AS s FROM pg_tables WHERE tablename = 'volunteers'");
      expect(where.rows).toEqual([{ s: schema }]);
    } finally {
      await h.close();
      await appDb.pool.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${appRole}`);
    await admin.query(`DROP ROLE IF EXISTS ${migrator}`);
    await admin.end();
  }
});
