import pg from "pg";
import type { AppConfig } from "./config";

/**
 * One pg Pool per process. The pool size comes from config and must match the capacity model
 * (fleet size x PG_POOL_SIZE <= the database's max_connections). A request waits at most
 * PG_POOL_WAIT_MS for a connection and a statement runs at most PG_STATEMENT_TIMEOUT_MS: both fail
 * fast into a 503 instead of queueing without bound.
 * https://node-postgres.com/apis/pool
 */
export function createPool(cfg: Pick<AppConfig, "pgPoolSize" | "pgPoolWaitMs" | "pgStatementTimeoutMs">, databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: cfg.pgPoolSize,
    connectionTimeoutMillis: cfg.pgPoolWaitMs,
    idleTimeoutMillis: 30000,
    statement_timeout: cfg.pgStatementTimeoutMs,
    query_timeout: cfg.pgStatementTimeoutMs + 1000,
    application_name: "renfort-app",
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
