import { existsSync, readdirSync } from "node:fs";
import { execFile } from "node:child_process";
import { basename, extname, join } from "node:path";
import pg, { type Pool } from "pg";
import { databaseUrlProblems, libpqCompatUrl, quoteIdent, tlsProblem } from "./db";

/**
 * Migrations are plain SQL files in app/migrations, run by node-pg-migrate's programmatic runner
 * (https://salsita.github.io/node-pg-migrate/api) as a release step, by the schema owner (the
 * migrator role), before traffic moves. They never GRANT: the app role gets DML from default
 * privileges set by the platform, so they run unchanged as any non-superuser owner.
 */

export const MIGRATIONS_TABLE = "pgmigrations";

/** The subset of node-pg-migrate's runner options this app uses (its types need `moduleResolution: node16`). */
interface RunnerOptions {
  databaseUrl: string;
  dir: string;
  migrationsTable: string;
  direction: "up" | "down";
  count?: number;
  schema?: string;
  migrationsSchema?: string;
  checkOrder: boolean;
  singleTransaction: boolean;
  verbose: boolean;
  log: (msg: string) => void;
}
type Runner = (o: RunnerOptions) => Promise<Array<{ name: string }>>;

async function loadRunner(): Promise<Runner> {
  if (process.env.JEST_WORKER_ID !== undefined) {
    // node-pg-migrate 9 is ESM-only and jest's CommonJS registry cannot load it: run it in a plain
    // Node process (scripts/migrate-runner.mjs) with the same options.
    return (o) =>
      new Promise((resolve, reject) => {
        const { log: _log, ...json } = o;
        execFile(process.execPath, [join(__dirname, "..", "scripts", "migrate-runner.mjs"), JSON.stringify(json)], (err, stdout) => {
          const last = stdout.trim().split("\n").pop() ?? "";
          let out: { ran?: string[]; error?: string } = {};
          try {
            out = JSON.parse(last) as typeof out;
          } catch {
            return reject(err ?? new Error(`migration runner printed ${last}`));
          }
          if (out.error !== undefined) return reject(new Error(out.error));
          resolve((out.ran ?? []).map((name) => ({ name })));
        });
      });
  }
  // @ts-expect-error its types resolve only under moduleResolution node16; the shape is declared above
  return ((await import("node-pg-migrate")) as unknown as { runner: Runner }).runner;
}

/** The migrations directory: beside the bundle (dist/migrations) or in the source tree. */
export function defaultMigrationsDir(): string {
  const candidates = [
    process.env.MIGRATIONS_DIR,
    join(__dirname, "migrations"),
    join(__dirname, "..", "migrations"),
  ].filter((d): d is string => d !== undefined && d !== "");
  const found = candidates.find((d) => existsSync(d));
  if (!found) throw new Error(`migrations directory not found (looked in ${candidates.join(", ")}); set MIGRATIONS_DIR`);
  return found;
}

/** Migration names as node-pg-migrate records them: file names without extension, in order. */
export function migrationNames(dir: string = defaultMigrationsDir()): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d+[_-].+\.(sql|js|cjs)$/.test(f))
    .map((f) => basename(f, extname(f)))
    .sort();
}

export interface RunMigrationsOptions {
  /** default: the app's migrations directory */
  dir?: string;
  /** default "up" */
  direction?: "up" | "down";
  /** how many to run; default all for "up", 1 for "down" */
  count?: number;
  /**
   * Schema of the tables and of the pgmigrations table (the app passes DATABASE_SCHEMA, `renfort`).
   * Created when missing. Omitted: node-pg-migrate's own default, `public`, where the platform's
   * migrator has no CREATE right (components/database/README.md).
   */
  schema?: string;
  /** default: silent */
  log?: (msg: string) => void;
}

/**
 * Applies the app's migrations to `databaseUrl` and returns the names it ran. Safe to run
 * concurrently from several release jobs: node-pg-migrate serializes them with an advisory lock.
 */
export async function runMigrations(databaseUrl: string, opts: RunMigrationsOptions = {}): Promise<string[]> {
  // libpq's meaning for sslmode / sslrootcert, as the app's pool (db.ts, LIBPQ_SSLMODES)
  const problems = databaseUrlProblems(databaseUrl);
  if (problems.length > 0) throw new Error(`the migration database URL is not usable: ${problems.join("; ")}`);
  const url = libpqCompatUrl(databaseUrl);
  // One connection first: a refused certificate or an unreachable server is reported plainly, before
  // node-pg-migrate's own error wrapping.
  if (opts.schema !== undefined) await ensureSchema(url, opts.schema);
  else await connected(url, async () => undefined);
  const runner = await loadRunner();
  const direction = opts.direction ?? "up";
  const ran = await runner({
    databaseUrl: url,
    dir: opts.dir ?? defaultMigrationsDir(),
    migrationsTable: MIGRATIONS_TABLE,
    direction,
    ...(opts.count !== undefined ? { count: opts.count } : direction === "down" ? { count: 1 } : {}),
    ...(opts.schema !== undefined ? { schema: opts.schema, migrationsSchema: opts.schema } : {}),
    checkOrder: true,
    singleTransaction: true,
    verbose: false,
    log: opts.log ?? (() => undefined),
  });
  if (opts.schema !== undefined && direction === "up") await lockMigrationsTable(url, opts.schema);
  return ran.map((m) => m.name);
}

/** The function through which the app reads the applied migrations' names (it has no right on the table). */
export const APPLIED_MIGRATIONS_FUNCTION = "applied_migrations";

/**
 * Least privilege on the migrations' bookkeeping. The platform's default privileges give the app role
 * DML on every table the migrator creates, `pgmigrations` included: with them a compromised app could
 * mark a migration applied or erase the history. After each run, the migrator (the table's owner)
 * revokes every right on `pgmigrations` from everyone else, and (re)creates `applied_migrations()`, a
 * SECURITY DEFINER function returning only the names, which `/readyz` reads (functions are executable
 * by PUBLIC by default; the schema's USAGE still limits it to the platform's roles). Idempotent.
 * https://www.postgresql.org/docs/15/sql-createfunction.html#SQL-CREATEFUNCTION-SECURITY
 */
export async function lockMigrationsTable(databaseUrl: string, schema: string): Promise<void> {
  const table = `${quoteIdent(schema)}.${MIGRATIONS_TABLE}`;
  await connected(databaseUrl, async (client) => {
    await client.query(`DO $lock$
DECLARE g text;
BEGIN
  FOR g IN SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
           FROM pg_class c, aclexplode(c.relacl) a
           WHERE c.oid = '${table}'::regclass AND a.grantee <> c.relowner LOOP
    EXECUTE format('REVOKE ALL ON ${table.replace(/'/g, "''")} FROM %s', g);
  END LOOP;
END
$lock$`);
    await client.query(`CREATE OR REPLACE FUNCTION ${quoteIdent(schema)}.${APPLIED_MIGRATIONS_FUNCTION}() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT name::text FROM ${table} $fn$`);
  });
}

/**
 * Creates `schema` only when it is missing. `CREATE SCHEMA IF NOT EXISTS` checks the CREATE right on
 * the database before it looks for the schema, so on Scaleway, where the platform made the schema
 * and the migrator owns it but may not create schemas, it would fail although there is nothing to
 * do: node-pg-migrate's `createSchema` option runs exactly that, hence this check first.
 * https://www.postgresql.org/docs/current/sql-createschema.html
 */
/** Runs `fn` on one connection; a certificate problem becomes an error that names it and the fix. */
async function connected<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: libpqCompatUrl(databaseUrl), application_name: "renfort-migrate", connectionTimeoutMillis: 15000 });
  try {
    await client.connect();
  } catch (err) {
    const tls = tlsProblem(err);
    await client.end().catch(() => undefined);
    if (tls) throw new Error(tls, { cause: err });
    throw err;
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function ensureSchema(databaseUrl: string, schema: string): Promise<"exists" | "created"> {
  return connected(databaseUrl, async (client) => {
    const r = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    if (r.rowCount) return "exists";
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    } catch (err) {
      const e = err as Error & { code?: string };
      // 23505: a concurrent release job created it between the check and the CREATE
      if (e.code === "23505") return "exists";
      throw new Error(
        `DATABASE_SCHEMA "${schema}" does not exist and this role cannot create it (${e.message}): ` +
          `create it as the database owner (CREATE SCHEMA ${schema} AUTHORIZATION <migrator>) or set DATABASE_SCHEMA to an existing schema`,
        { cause: err },
      );
    }
    return "created";
  });
}

export interface MigrationStatus {
  current: boolean;
  pending: string[];
}

/**
 * Compares the migration files present with those applied. Applied migrations without a file are
 * fine: they belong to a newer release, and migrations stay compatible with the previous release.
 */
export async function migrationStatus(pool: Pool, names: readonly string[]): Promise<MigrationStatus> {
  // Through applied_migrations() (lockMigrationsTable): the app role has no right on the table itself.
  // 42883 (no such function): a database this release's migrate has not run on yet: nothing applied
  // that we can see, so not ready; 42P01: no migrations table at all.
  const r = await pool.query<{ name: string }>(`SELECT name FROM ${APPLIED_MIGRATIONS_FUNCTION}() AS name`).catch((err: { code?: string }) => {
    if (err.code === "42883" || err.code === "42P01") return { rows: [] as Array<{ name: string }> };
    throw err;
  });
  const applied = new Set(r.rows.map((x) => x.name));
  const pending = names.filter((n) => !applied.has(n));
  return { current: pending.length === 0, pending };
}
