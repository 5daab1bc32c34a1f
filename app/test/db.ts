import { randomBytes } from "node:crypto";
import pg from "pg";
import { DEFAULT_DATABASE_SCHEMA } from "../src/config";
import { searchPathHook } from "../src/db";
import { startEmbeddedPostgres } from "../src/embedded-pg";
import { runMigrations } from "../src/migrate";

/**
 * A database for one test file. With DATABASE_URL (CI: the local PostgreSQL server) each file gets
 * its own throwaway database, so files run in parallel and leave nothing behind; without it, an
 * embedded PostgreSQL (PGlite) runs in the test process.
 */
export interface TestDb {
  mode: "server" | "embedded";
  url: string;
  pool: pg.Pool;
  /** the server's admin URL (server mode only) */
  adminUrl?: string;
  drop(): Promise<void>;
}

export const serverUrl = process.env.DATABASE_URL;
/** The app's default schema: tests run where production runs, never in `public`. */
export const schema = DEFAULT_DATABASE_SCHEMA;

/** A pool whose connections use the app's schema, like the app's own (src/db.ts). */
export function schemaPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, onConnect: searchPathHook(schema) });
  pool.on("error", () => undefined);
  return pool;
}
export const mode: "server" | "embedded" = serverUrl ? "server" : "embedded";

/** CI (the GitHub checks job, .ci/run) sets CI=true: there a test that needs a server runs or fails, never skips. */
export const inCi = (env: NodeJS.ProcessEnv = process.env) => env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";

/** What a server-only test does in `env`: run (a server), fail (CI without one) or skip (a laptop without one). */
export function serverOnlyMode(env: NodeJS.ProcessEnv): "run" | "fail" | "skip" {
  if (env.DATABASE_URL) return "run";
  return inCi(env) ? "fail" : "skip";
}

/**
 * A test that needs a real PostgreSQL server (DATABASE_URL): run with one; without one, skipped on a
 * laptop but failing under CI, so a missing server can never turn the suite green by skipping.
 */
export function serverOnlyTest(name: string, fn: () => Promise<unknown>, timeout?: number, env: NodeJS.ProcessEnv = process.env): void {
  const how = serverOnlyMode(env);
  if (how === "run") test(name, fn, timeout);
  else if (how === "fail") {
    test(name, () => {
      throw new Error("CI is set but DATABASE_URL is not: this test needs a real PostgreSQL server (see .ci/run and the checks job of .github/workflows/pull-request.yml)");
    });
  } else test.skip(name, fn, timeout);
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const migrate = opts.migrate ?? true;
  if (serverUrl) {
    const name = `renfort_t_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = withDatabase(serverUrl, name);
    if (migrate) await runMigrations(url, { schema });
    const pool = schemaPool(url);
    return {
      mode: "server",
      url,
      pool,
      adminUrl: serverUrl,
      async drop() {
        await pool.end().catch(() => undefined);
        const a = new pg.Client({ connectionString: serverUrl });
        await a.connect();
        try {
          await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await a.end();
        }
      },
    };
  }
  const embedded = await startEmbeddedPostgres();
  if (migrate) await runMigrations(embedded.url, { schema });
  const pool = schemaPool(embedded.url);
  return {
    mode: "embedded",
    url: embedded.url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await embedded.stop();
    },
  };
}
