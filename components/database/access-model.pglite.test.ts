/**
 * The same access steps on PostgreSQL 16+ semantics, in process: PGlite (PostgreSQL 18, the app's test
 * database) stands in for Scaleway's PostgreSQL 16, whose CREATEROLE rules differ from the local
 * PostgreSQL 15 server that access-model.pg.test.ts uses (see accessSteps in access-model.ts).
 *
 * It runs through the app's embedded server (app/src/embedded-pg.ts: PGlite behind pglite-socket in a
 * child process, since jest cannot load PGlite's wasm module in-process) with ONE client. PGlite has a
 * single session and database, so roles are switched with SET SESSION AUTHORIZATION (the session
 * starts as a superuser, which plays Scaleway's own) instead of separate logins, and the application
 * database is the built-in one, handed to the admin as if the admin had created it.
 * Connection limits, passwords and pg_hba are not exercised here; access-model.pg.test.ts covers them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../app/src/embedded-pg";
import { defaultMigrationsDir, migrationNames } from "../../app/src/migrate";
import { ACCESS_MODEL, renderAccessSteps, type AccessNames, type RoleKey } from "./access-model";

const ADMIN = "renfort_admin";
const STRANGER = "renfort_console_user";
const names: AccessNames = {
  database: "postgres",
  roles: {
    migrator: { name: "renfort_migrator", connectionLimit: 5 },
    app: { name: "renfort_app", connectionLimit: 10 },
    readonly: { name: "renfort_readonly", connectionLimit: 3 },
  },
};
const passwords: Record<RoleKey, string> = { migrator: "Pw-m-1!", app: "Pw-a-2!", readonly: "Pw-r-3!" };

/** The bootstrap superuser the embedded server's session starts as (Scaleway's own superuser here). */
const SUPERUSER = "postgres";
/**
 * Back to the superuser. Through pglite-socket RESET SESSION AUTHORIZATION does not return to it, but
 * the authenticated user is a superuser, so naming it works.
 */
const BACK = `SET SESSION AUTHORIZATION ${SUPERUSER}`;

let server: EmbeddedPostgres;
let db: Client;

/** Runs `sql` as `role` (a fresh SET SESSION AUTHORIZATION from the superuser session). */
async function as(role: string, sql: string): Promise<void> {
  await db.query(`${BACK}; SET SESSION AUTHORIZATION "${role}"`);
  try {
    await db.query(sql);
  } catch (e) {
    // Leave a failed transaction first, or the next statement reports 25P02 instead of the real error.
    await db.query("ROLLBACK");
    throw e;
  } finally {
    await db.query(BACK);
  }
}
/** The SQLSTATE `sql` fails with as `role`, inside a transaction that is always rolled back. */
async function sqlstateAs(role: string, sql: string): Promise<string> {
  await db.query(`SET SESSION AUTHORIZATION "${role}"; BEGIN`);
  try {
    await db.query(sql);
    return "succeeded";
  } catch (e) {
    return (e as { code?: string }).code ?? "no code";
  } finally {
    await db.query(`ROLLBACK; ${BACK}`);
  }
}
async function one<T extends object>(sql: string, params: unknown[] = []): Promise<T> {
  return (await db.query<T>(sql, params)).rows[0];
}

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  db = new Client({ connectionString: server.url });
  await db.connect();
  const who = await one<{ su: boolean }>(`SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user AND current_user = '${SUPERUSER}'`);
  if (!who?.su) throw new Error(`the embedded PostgreSQL session must start as the superuser ${SUPERUSER}`);
  // Scaleway's side: its superuser creates the instance admin (CREATEDB, CREATEROLE, not a superuser),
  // a role the admin did not create (as the console would), and the database the admin owns.
  await db.query(`CREATE ROLE "${ADMIN}" LOGIN CREATEDB CREATEROLE NOSUPERUSER; CREATE ROLE "${STRANGER}" LOGIN;
    ALTER DATABASE postgres OWNER TO "${ADMIN}"`);
  // The component's steps, as the admin, one transaction each, in order.
  for (const step of renderAccessSteps(ACCESS_MODEL, names, passwords)) {
    try {
      await as(ADMIN, `BEGIN; ${step.statements.join("\n")} COMMIT;`);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw new Error(`access step ${step.resource} failed as the non-superuser admin on PGlite: ${err.code ?? ""} ${err.message ?? String(e)}`, { cause: e });
    }
  }
  // The release step: the Up sections of the app's SQL migrations, as the migrator, in the schema.
  const dir = defaultMigrationsDir();
  for (const name of migrationNames(dir)) {
    const up = readFileSync(join(dir, `${name}.sql`), "utf8").split(/^-- Down Migration/m)[0];
    await as(names.roles.migrator.name, `SET search_path TO ${ACCESS_MODEL.schema}; ${up}`);
  }
}, 60000);

afterAll(async () => {
  await db?.end().catch(() => undefined);
  await server?.stop();
});

describe("PostgreSQL 16+ rules (PGlite): the access steps applied by a non-superuser admin", () => {
  it("runs a PostgreSQL 16 or newer with createrole_self_grant at its default", async () => {
    const r = await one<{ v: string; g: string }>(`SELECT current_setting('server_version_num') AS v, current_setting('createrole_self_grant') AS g`);
    expect(Number(r.v)).toBeGreaterThanOrEqual(160000);
    expect(r.g).toBe("");
  });

  it("the admin ends up with only the automatic ADMIN OPTION on the migrator (granted by the bootstrap superuser), no INHERIT, no SET", async () => {
    const rows = (
      await db.query<{ grantor: string; admin_option: boolean; inherit_option: boolean; set_option: boolean }>(
        `SELECT pg_get_userbyid(grantor) AS grantor, admin_option, inherit_option, set_option
           FROM pg_auth_members WHERE roleid = $1::regrole AND member = $2::regrole`,
        [names.roles.migrator.name, ADMIN],
      )
    ).rows;
    expect(rows).toEqual([{ grantor: "postgres", admin_option: true, inherit_option: false, set_option: false }]);
  });

  it.each([
    ["CREATE SCHEMA ... AUTHORIZATION <migrator>", `CREATE SCHEMA renfort_probe AUTHORIZATION "${names.roles.migrator.name}"`],
    ["ALTER DEFAULT PRIVILEGES FOR ROLE <migrator>", `ALTER DEFAULT PRIVILEGES FOR ROLE "${names.roles.migrator.name}" IN SCHEMA renfort GRANT SELECT ON TABLES TO PUBLIC`],
    ["GRANT on the migrator's tables", `GRANT SELECT ON ALL TABLES IN SCHEMA renfort TO PUBLIC`],
  ])("ADMIN OPTION alone does not let the admin do %s: the bracket (GRANT <migrator> TO CURRENT_USER) is needed", async (_label, sql) => {
    expect(await sqlstateAs(ADMIN, sql)).toBe("42501");
  });

  it("the admin cannot grant itself a role it did not create (CREATEROLE no longer suffices)", async () => {
    expect(await sqlstateAs(ADMIN, `GRANT "${STRANGER}" TO CURRENT_USER`)).toBe("42501");
  });

  it("the migrator owns every table of the migrations in the schema, and the app and readonly roles got their privileges by default", async () => {
    const tables = (await db.query<{ tablename: string; tableowner: string }>(`SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'renfort' ORDER BY 1`)).rows;
    expect(tables.map((t) => t.tablename)).toEqual(expect.arrayContaining(["volunteers", "organizations", "missions", "applications", "email_outbox"]));
    expect(new Set(tables.map((t) => t.tableowner))).toEqual(new Set([names.roles.migrator.name]));
    const privs = await one<{ app: boolean; ro_select: boolean; ro_insert: boolean }>(
      `SELECT has_table_privilege($1, 'renfort.volunteers', 'INSERT') AS app,
              has_table_privilege($2, 'renfort.volunteers', 'SELECT') AS ro_select,
              has_table_privilege($2, 'renfort.volunteers', 'INSERT') AS ro_insert`,
      [names.roles.app.name, names.roles.readonly.name],
    );
    expect(privs).toEqual({ app: true, ro_select: true, ro_insert: false });
  });

  it("the app role writes rows but cannot change the schema; the readonly role cannot write", async () => {
    await as(names.roles.app.name, `INSERT INTO renfort.volunteers (email, first_name, last_name, zip) VALUES ('a@example.org', 'Ada', 'L', '75001')`);
    expect(await sqlstateAs(names.roles.app.name, `CREATE TABLE renfort.app_made (id int)`)).toBe("42501");
    expect(await sqlstateAs(names.roles.app.name, `DROP TABLE renfort.email_outbox`)).toBe("42501");
    expect(await sqlstateAs(names.roles.readonly.name, `INSERT INTO renfort.volunteers (email, first_name, last_name, zip) VALUES ('r@example.org', 'R', 'O', '75001')`)).toBe("42501");
    expect(await sqlstateAs(names.roles.readonly.name, `SELECT count(*) FROM renfort.volunteers`)).toBe("succeeded");
  });
});
