import pg from "pg";
import type { AppConfig } from "./config";

/**
 * One pg Pool per process. The pool size comes from config and must match the capacity model
 * (fleet size x PG_POOL_SIZE <= the database's max_connections). A request waits at most
 * PG_POOL_WAIT_MS for a connection and a statement runs at most PG_STATEMENT_TIMEOUT_MS: both fail
 * fast into a 503 instead of queueing without bound.
 * https://node-postgres.com/apis/pool
 */
export function createPool(
  cfg: Pick<AppConfig, "pgPoolSize" | "pgPoolWaitMs" | "pgStatementTimeoutMs" | "databaseSchema">,
  databaseUrl: string,
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: cfg.pgPoolSize,
    connectionTimeoutMillis: cfg.pgPoolWaitMs,
    idleTimeoutMillis: 30000,
    statement_timeout: cfg.pgStatementTimeoutMs,
    query_timeout: cfg.pgStatementTimeoutMs + 1000,
    application_name: "renfort-app",
    onConnect: searchPathHook(cfg.databaseSchema),
  });
  // An idle client whose server connection dies (failover, pg_terminate_backend) emits 'error' on
  // the pool; without a listener that would crash the process. The pool drops the client itself.
  pool.on("error", () => undefined);
  return pool;
}

/** SQLSTATE classes and client errors that mean "the database is not there right now" (answer 503). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  const code = e.code ?? "";
  if (code.startsWith("08") || code.startsWith("53") || code.startsWith("57P") || code === "57014") return true;
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"].includes(code)) return true;
  const msg = e.message ?? "";
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error/i.test(msg);
}

/** `"name"`: a PostgreSQL identifier, quoted (config already restricts it to [a-z0-9_]). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Sets each new connection's search_path to the app's schema before the pool hands it out, so the
 * unqualified table names of the queries and migrations resolve there and never in `public`. A SET
 * rather than the `options=-c search_path=...` startup parameter: the embedded PostgreSQL (PGlite
 * behind pglite-socket) ignores startup parameters, and one code path keeps dev, tests and
 * production alike. Costs one round trip per new connection, not per query.
 * https://node-postgres.com/apis/pool (onConnect)
 */
export function searchPathHook(schema: string): (client: pg.ClientBase) => Promise<void> {
  const sql = `SET search_path TO ${quoteIdent(schema)}`;
  return async (client) => {
    await client.query(sql);
  };
}
