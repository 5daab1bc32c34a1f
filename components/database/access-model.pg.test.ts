/**
 * The access model applied to a REAL PostgreSQL server the way it happens on Scaleway: by an instance
 * admin that is NOT a superuser (LOGIN CREATEDB CREATEROLE, as Scaleway creates it), through the steps
 * and in the order the Database component declares them (accessSteps: roles, database grants, schema,
 * schema grants, object grants, default privileges), one transaction per step as the postgresql provider
 * runs each resource with `superuser: false`. Then the app's own migrations run as the migrator role,
 * into the component's schema, and each role is tried against what it must and must not be able to do.
 *
 * Server: PG_ADMIN_URL, a SUPERUSER (default postgres://postgres@127.0.0.1:5432/postgres). It plays
 * Scaleway's own superuser only: it creates the instance admin and the outside role, and cleans up.
 * Without a reachable server the suite is skipped with a message, except under CI (CI=true), where it
 * fails.
 *
 * PostgreSQL 15 (the local server) and 16+ (Scaleway) differ in why the admin may act as the migrator;
 * the tests below assert the behaviour of the version they run on (see accessSteps in access-model.ts).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { migrationNames, runMigrations } from "../../app/src/migrate";
import { ACCESS_MODEL, ROLE_KEYS, renderAccessSteps, type AccessNames, type RoleKey } from "./access-model";

const ADMIN_URL = process.env.PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const IN_CI = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";

/** Jest collects tests synchronously: probe the server in a child process before declaring them. */
function probe(): string | undefined {
  const script = `const { Client } = require("pg");
    const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query("SELECT 1")).then(() => c.end()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", script, ADMIN_URL], { cwd: __dirname, encoding: "utf8", timeout: 10000 });
  return r.status === 0 ? undefined : (r.stderr || r.error?.message || `exit ${String(r.status)}`).trim();
}

const unreachable = probe();
const redactedUrl = ADMIN_URL.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");

if (unreachable !== undefined && IN_CI) {
  test("a PostgreSQL server is reachable (required under CI)", () => {
    throw new Error(`CI is set but no PostgreSQL server answers at ${redactedUrl}: ${unreachable}. Start one or set PG_ADMIN_URL.`);
  });
} else if (unreachable !== undefined) {
  console.warn(`SKIPPED access-model.pg.test.ts: no PostgreSQL server at ${redactedUrl} (${unreachable}). Set PG_ADMIN_URL or start the local server to run it.`);
  test.skip("the access model against a real PostgreSQL server (no server reachable)", () => undefined);
} else {
  describeAgainstServer();
}

function describeAgainstServer(): void {
  const suffix = randomBytes(4).toString("hex");
  const names: AccessNames = {
    database: `renfort_access_${suffix}`,
    roles: {
      migrator: { name: `renfort_migrator_${suffix}`, connectionLimit: 5 },
      app: { name: `renfort_app_${suffix}`, connectionLimit: 10 },
      readonly: { name: `renfort_readonly_${suffix}`, connectionLimit: 3 },
    },
  };
  const passwords = Object.fromEntries(ROLE_KEYS.map((k) => [k, `Pw-${k}-${randomBytes(9).toString("base64url")}!`])) as Record<RoleKey, string>;
  /** The instance admin, as Scaleway creates it: CREATEDB and CREATEROLE, not a superuser. */
  const adminName = `renfort_admin_${suffix}`;
  const adminPassword = `Pw-admin-${randomBytes(9).toString("base64url")}!`;
  const stranger = `renfort_stranger_${suffix}`;
  const maintenanceDb = new URL(ADMIN_URL).pathname.slice(1) || "postgres";

  const urlFor = (user: string, password: string, database: string = names.database): string => {
    const u = new URL(ADMIN_URL);
    u.username = encodeURIComponent(user);
    u.password = encodeURIComponent(password);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const migratorUrl = (): string => urlFor(names.roles.migrator.name, passwords.migrator);
  const clients: Client[] = [];
  async function connect(url: string): Promise<Client> {
    const c = new Client({ connectionString: url });
    await c.connect();
    clients.push(c);
    return c;
  }
  const connectAs = (key: RoleKey): Promise<Client> => connect(urlFor(names.roles[key].name, passwords[key]));
  /** The SQLSTATE of a statement that must fail (42501 = insufficient_privilege). */
  async function sqlstateOf(c: Client, sql: string): Promise<string> {
    try {
      await c.query(sql);
    } catch (e) {
      return (e as { code?: string }).code ?? "no code";
    }
    return "succeeded";
  }
  /** Same, inside a transaction that is rolled back whatever happens (nothing it does survives). */
  async function sqlstateRolledBack(c: Client, sql: string): Promise<string> {
    await c.query("BEGIN");
    try {
      return await sqlstateOf(c, sql);
    } finally {
      await c.query("ROLLBACK");
    }
  }

  let admin: Client;
  let app: Client;
  let readonly: Client;
  let migrated: string[];
  let serverVersion: number;

  beforeAll(async () => {
    // Scaleway's side: its superuser creates the instance admin (and, for the last test, a role the
    // admin did not create, as the console would).
    const root = new Client({ connectionString: ADMIN_URL });
    await root.connect();
    try {
      await root.query(`CREATE ROLE "${adminName}" LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD '${adminPassword}'`);
      await root.query(`CREATE ROLE "${stranger}" LOGIN`);
    } finally {
      await root.end();
    }

    // Everything below runs as the non-superuser admin, like the postgresql provider on Scaleway.
    // postgresql.Database: created from the maintenance database (Scaleway's `rdb`), owned by the admin.
    const maintenance = new Client({ connectionString: urlFor(adminName, adminPassword, maintenanceDb) });
    await maintenance.connect();
    try {
      await maintenance.query(`CREATE DATABASE "${names.database}"`);
    } finally {
      await maintenance.end();
    }
    admin = await connect(urlFor(adminName, adminPassword));
    serverVersion = Number((await admin.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0].v);
    // Then each remaining resource, in the component's dependsOn order, one transaction each.
    for (const step of renderAccessSteps(ACCESS_MODEL, names, passwords)) {
      await admin.query("BEGIN");
      try {
        for (const statement of step.statements) await admin.query(statement);
        await admin.query("COMMIT");
      } catch (e) {
        await admin.query("ROLLBACK");
        // The statement itself may hold a password: report the step and the server's error only.
        const err = e as { code?: string; message?: string };
        throw new Error(`access step ${step.resource} failed as the non-superuser admin (PostgreSQL ${serverVersion}): ${err.code ?? ""} ${err.message ?? String(e)}`, { cause: e });
      }
    }
    // The release step: the app's migrations, as the migrator, into the component's schema.
    migrated = await runMigrations(migratorUrl(), { schema: ACCESS_MODEL.schema });
    app = await connectAs("app");
    readonly = await connectAs("readonly");
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    const root = new Client({ connectionString: ADMIN_URL });
    await root.connect();
    try {
      await root.query(`DROP DATABASE IF EXISTS "${names.database}" WITH (FORCE)`);
      for (const r of [...ROLE_KEYS.map((k) => names.roles[k].name), stranger, adminName]) await root.query(`DROP ROLE IF EXISTS "${r}"`);
    } finally {
      await root.end();
    }
  });

  describe("applied by a non-superuser admin like Scaleway's", () => {
    it("the admin is not a superuser, has CREATEDB and CREATEROLE, and owns the application database", async () => {
      const r = await admin.query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; owner: string }>(
        `SELECT rolsuper, rolcreatedb, rolcreaterole, pg_get_userbyid(d.datdba) AS owner
           FROM pg_roles, pg_database d WHERE rolname = current_user AND d.datname = current_database()`,
      );
      expect(r.rows).toEqual([{ rolsuper: false, rolcreatedb: true, rolcreaterole: true, owner: adminName }]);
    });

    it("keeps no membership in the migrator once the steps are applied (the bracket is revoked in each step)", async () => {
      const r = await admin.query<{ usage: boolean }>(`SELECT pg_has_role(current_user, $1, 'USAGE') AS usage`, [names.roles.migrator.name]);
      expect(r.rows[0].usage).toBe(false);
    });

    it.each([
      ["CREATE SCHEMA ... AUTHORIZATION <migrator>", (m: string) => `CREATE SCHEMA renfort_probe AUTHORIZATION "${m}"`],
      ["ALTER DEFAULT PRIVILEGES FOR ROLE <migrator>", (m: string) => `ALTER DEFAULT PRIVILEGES FOR ROLE "${m}" IN SCHEMA renfort GRANT SELECT ON TABLES TO PUBLIC`],
      ["GRANT on the migrator's tables", () => `GRANT SELECT ON ALL TABLES IN SCHEMA renfort TO PUBLIC`],
    ])("without the temporary membership the admin is refused %s, which is why the steps bracket it", async (_label, sql) => {
      expect(await sqlstateRolledBack(admin, sql(names.roles.migrator.name))).toBe("42501");
    });

    it("a role the admin did NOT create: PostgreSQL 15 lets CREATEROLE grant it, 16+ refuses (ADMIN OPTION needed)", async () => {
      // This is why, on Scaleway (PG16), the schema owner must be a role created by this admin through the
      // provider, not one made in the console or with scaleway.databases.User.
      const expected = serverVersion >= 160000 ? "42501" : "succeeded";
      expect(await sqlstateRolledBack(admin, `GRANT "${stranger}" TO CURRENT_USER`)).toBe(expected);
    });

    it("the app's migrations without the schema option are refused: node-pg-migrate puts pgmigrations in public", async () => {
      await expect(runMigrations(migratorUrl())).rejects.toThrow(/permission denied for schema public/);
    });
  });

  describe("the access model on a real PostgreSQL server", () => {
    it("the migrator ran every migration of the app into the component's schema (pgmigrations included), and owns the tables", async () => {
      expect(migrated).toEqual(migrationNames());
      expect(migrated.length).toBeGreaterThan(0);
      const r = await admin.query<{ tablename: string; tableowner: string }>(`SELECT tablename, tableowner FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [ACCESS_MODEL.schema]);
      expect(r.rows.map((x) => x.tablename)).toEqual(expect.arrayContaining(["volunteers", "organizations", "missions", "applications", "email_outbox", "pgmigrations"]));
      expect(new Set(r.rows.map((x) => x.tableowner))).toEqual(new Set([names.roles.migrator.name]));
    });

    it("the app role can INSERT, SELECT and UPDATE in the tables the migrations made (identity sequences included)", async () => {
      const v = await app.query<{ id: string }>(`INSERT INTO volunteers (email, first_name, last_name, zip) VALUES ('a@example.org', 'Ada', 'L', '75001') RETURNING id`);
      expect(v.rows).toHaveLength(1);
      const o = await app.query<{ id: string }>(`INSERT INTO organizations (name, email, zip) VALUES ('Asso', 'asso@example.org', '75001') RETURNING id`);
      const m = await app.query<{ id: string }>(
        `INSERT INTO missions (organization_id, title, description, zip, department, places) VALUES ($1, 'T', 'D', '75001', '75', 3) RETURNING id`,
        [o.rows[0].id],
      );
      await app.query(`INSERT INTO applications (mission_id, volunteer_id) VALUES ($1, $2)`, [m.rows[0].id, v.rows[0].id]);
      expect((await app.query(`UPDATE missions SET places_taken = places_taken + 1 WHERE id = $1`, [m.rows[0].id])).rowCount).toBe(1);
      expect((await app.query(`SELECT count(*)::int AS n FROM applications`)).rows[0].n).toBe(1);
    });

    it("the app role has no right on pgmigrations, reads the applied names through applied_migrations(), and the readonly role neither", async () => {
      for (const sql of [
        `SELECT name FROM pgmigrations`,
        `INSERT INTO pgmigrations (name, run_on) VALUES ('9999999999999_forged', now())`,
        `UPDATE pgmigrations SET name = name`,
        `DELETE FROM pgmigrations`,
      ]) {
        expect({ sql, code: await sqlstateOf(app, sql) }).toEqual({ sql, code: "42501" });
      }
      expect(await sqlstateOf(readonly, `SELECT name FROM pgmigrations`)).toBe("42501");
      const names = await app.query<{ name: string }>(`SELECT name FROM applied_migrations() AS name ORDER BY 1`);
      expect(names.rows.map((r) => r.name)).toEqual(migrationNames());
      // a second run (every release migrates) keeps it locked
      await runMigrations(migratorUrl(), { schema: ACCESS_MODEL.schema });
      expect(await sqlstateOf(app, `SELECT name FROM pgmigrations`)).toBe("42501");
    });

    it.each([
      ["CREATE TABLE in the schema", `CREATE TABLE renfort.app_made (id int)`],
      ["CREATE TABLE unqualified", `CREATE TABLE app_made (id int)`],
      ["CREATE TABLE in public", `CREATE TABLE public.app_made (id int)`],
      ["CREATE TEMP TABLE", `CREATE TEMP TABLE app_tmp (id int)`],
      ["DROP TABLE", `DROP TABLE email_outbox`],
      ["ALTER TABLE", `ALTER TABLE volunteers ADD COLUMN hacked text`],
      ["CREATE INDEX", `CREATE INDEX app_idx ON volunteers (zip)`],
      ["TRUNCATE", `TRUNCATE volunteers CASCADE`],
      ["DELETE (it deletes nothing)", `DELETE FROM applications`],
      ["CREATE SCHEMA", `CREATE SCHEMA app_schema`],
    ])("the app role cannot %s (insufficient_privilege or must-be-owner)", async (_label, sql) => {
      expect(["42501"]).toContain(await sqlstateOf(app, sql));
    });

    it("the readonly role can SELECT", async () => {
      expect((await readonly.query(`SELECT count(*)::int AS n FROM volunteers`)).rows[0].n).toBe(1);
    });

    it.each([
      ["INSERT", `INSERT INTO volunteers (email, first_name, last_name, zip) VALUES ('r@example.org', 'R', 'O', '75001')`],
      ["UPDATE", `UPDATE volunteers SET zip = '00000'`],
      ["DELETE", `DELETE FROM volunteers`],
      ["CREATE TABLE", `CREATE TABLE ro_made (id int)`],
      ["DROP TABLE", `DROP TABLE volunteers`],
      ["nextval on a sequence", `SELECT nextval(pg_get_serial_sequence('renfort.missions', 'id'))`],
    ])("the readonly role cannot %s", async (_label, sql) => {
      expect(await sqlstateOf(readonly, sql)).toBe("42501");
    });

    it("a table a later migration creates is covered by the migrator's default privileges", async () => {
      const migrator = await connectAs("migrator");
      await migrator.query(`CREATE TABLE later_table (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)`);
      await app.query(`INSERT INTO later_table (note) VALUES ('ok')`);
      expect((await readonly.query(`SELECT note FROM later_table`)).rows).toEqual([{ note: "ok" }]);
      expect(await sqlstateOf(readonly, `INSERT INTO later_table (note) VALUES ('no')`)).toBe("42501");
      expect(await sqlstateOf(app, `DROP TABLE later_table`)).toBe("42501");
    });

    it("the migrator cannot create outside its schema, and a role outside the model cannot even connect", async () => {
      const migrator = await connectAs("migrator");
      expect(await sqlstateOf(migrator, `CREATE TABLE public.stray (id int)`)).toBe("42501");
      const c = new Client({ connectionString: urlFor(stranger, "irrelevant") });
      const code = await c.connect().then(
        async () => {
          await c.end();
          return "connected";
        },
        (e: { code?: string }) => e.code ?? "no code",
      );
      expect(code).toBe("42501");
    });

    it("the role attributes forbid escalation and carry the connection limits", async () => {
      const r = await admin.query<{ rolname: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolconnlimit: number; rolconfig: string[] | null }>(
        `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolconnlimit, rolconfig FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
        [ROLE_KEYS.map((k) => names.roles[k].name)],
      );
      expect(r.rows).toHaveLength(3);
      for (const row of r.rows) {
        expect([row.rolsuper, row.rolcreaterole, row.rolcreatedb]).toEqual([false, false, false]);
        expect(row.rolconfig).toEqual([`search_path=${ACCESS_MODEL.schema}`]);
      }
      expect(r.rows.find((x) => x.rolname === names.roles.app.name)?.rolconnlimit).toBe(10);
    });
  });
}
