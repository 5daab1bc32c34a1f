import { readFileSync } from "node:fs";
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
  cfg: Pick<AppConfig, "pgPoolSize" | "pgPoolWaitMs" | "pgStatementTimeoutMs" | "databaseSchema"> & Partial<Pick<AppConfig, "pgPoolMin">>,
  databaseUrl: string,
): pg.Pool {
  const pool = new pg.Pool({
    // libpq's meaning for sslmode / sslrootcert (see LIBPQ_SSLMODES below)
    connectionString: libpqCompatUrl(databaseUrl),
    max: cfg.pgPoolSize,
    // pg-pool closes idle connections beyond `min` only, and never opens up to `min` itself (its doc says
    // so: https://node-postgres.com/apis/pool): warmPool opens them
    min: cfg.pgPoolMin ?? 0,
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

/**
 * Opens `count` connections at once and hands them back to the pool, before the service listens. A
 * launch is a step from quiet to the peak (the TV announcement): a pool that grows under that step
 * forks PostgreSQL backends (and runs their search_path SET and first statement preparations) exactly
 * when the database and the instance have the least CPU to spare, and every request waits behind them.
 * Measured with tools/loadtest/ci-local.sh (app/README.md, "The signup's round trips and the connection pool"). With `min` set to the
 * same count the pool keeps them past idleTimeoutMillis. Best effort: a connection that cannot be
 * opened now is opened on demand later, as without warm-up. Returns how many were opened.
 * https://node-postgres.com/apis/pool (`min`)
 */
export async function warmPool(pool: pg.Pool, count: number): Promise<number> {
  const opened = await Promise.allSettled(Array.from({ length: count }, () => pool.connect()));
  let ok = 0;
  for (const r of opened) {
    if (r.status === "fulfilled") {
      r.value.release();
      ok++;
    }
  }
  return ok;
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

/**
 * libpq's `sslmode` values the app accepts in DATABASE_URL, each with libpq's meaning
 * (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION):
 * `disable` no TLS; `require` TLS without verifying the server (with `sslrootcert`, verified as
 * verify-ca, as libpq does); `verify-ca` the chain must lead to `sslrootcert`; `verify-full` that and
 * the host name (or IP) in the certificate.
 *
 * node-postgres reads them through pg-connection-string, which (2.x, pinned here) treats `prefer`,
 * `require` and `verify-ca` as `verify-full` against Node's own CA store unless the URL carries
 * `uselibpqcompat=true`, and then applies libpq's meaning
 * (https://github.com/brianc/node-postgres/blob/master/packages/pg-connection-string/index.js, the
 * `uselibpqcompat` branch of `parse`). So the app adds that parameter itself (libpqCompatUrl) and the
 * URL stays a plain libpq URL that psql reads the same way. `sslrootcert` is read as a file path.
 * `prefer` and `allow` are refused: libpq falls back to plaintext with them, node-postgres cannot, and
 * neither verifies anything.
 */
export const LIBPQ_SSLMODES = ["disable", "require", "verify-ca", "verify-full"] as const;

/** Why DATABASE_URL's TLS parameters are unusable (each a sentence naming the parameter and the fix); empty when fine. Never echoes the URL. */
export function databaseUrlProblems(databaseUrl: string, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): string[] {
  let u: URL;
  try {
    u = new URL(databaseUrl);
  } catch {
    return ["must be a postgres:// URL, e.g. postgres://app@10.0.0.5:5432/renfort?sslmode=verify-ca&sslrootcert=/etc/renfort/database-ca.pem"];
  }
  const problems: string[] = [];
  const sslmode = u.searchParams.get("sslmode");
  const rootcert = u.searchParams.get("sslrootcert");
  const compat = u.searchParams.get("uselibpqcompat");
  if (sslmode !== null && !(LIBPQ_SSLMODES as readonly string[]).includes(sslmode)) {
    const why =
      sslmode === "prefer" || sslmode === "allow"
        ? `(libpq may fall back to an unencrypted connection with it, node-postgres cannot, and neither verifies the server)`
        : sslmode === "no-verify"
          ? "(a node-postgres-only value, not libpq's)"
          : "";
    problems.push(`sslmode "${sslmode}" is not accepted ${why}: use one of ${LIBPQ_SSLMODES.join(", ")} (verify-ca with sslrootcert for the managed database)`.replace("  ", " "));
  }
  if (compat !== null && compat !== "true") problems.push(`uselibpqcompat must be "true" or absent (the app reads sslmode with libpq's meaning), got "${compat}"`);
  if ((sslmode === "verify-ca" || sslmode === "verify-full") && rootcert === null) {
    problems.push(`sslmode=${sslmode} needs sslrootcert=<path of the CA certificate file> (the database instance's CA, written to the instance by the fleet)`);
  }
  if (rootcert !== null) {
    if (rootcert === "system") {
      problems.push(`sslrootcert=system (libpq 16's "use the system store") is read as a file named "system" by node-postgres: give the CA file's path`);
    } else {
      let pem: string | undefined;
      try {
        pem = readFile(rootcert);
      } catch (err) {
        problems.push(`sslrootcert ${rootcert} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): write the database's CA certificate there, or fix the path`);
      }
      if (pem !== undefined && !pem.includes("-----BEGIN CERTIFICATE-----")) {
        problems.push(`sslrootcert ${rootcert} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`);
      }
    }
  }
  return problems;
}

/**
 * DATABASE_URL as node-postgres must read it to give libpq's meaning to `sslmode`: with
 * `uselibpqcompat=true` appended when an sslmode is set and the URL does not say it already. The rest
 * of the URL is kept character for character.
 */
export function libpqCompatUrl(databaseUrl: string): string {
  let u: URL;
  try {
    u = new URL(databaseUrl);
  } catch {
    return databaseUrl;
  }
  if (!u.searchParams.has("sslmode") || u.searchParams.has("uselibpqcompat")) return databaseUrl;
  return `${databaseUrl}${u.search ? "&" : "?"}uselibpqcompat=true`;
}

/** Node's TLS verification error codes (https://nodejs.org/api/tls.html, X509_V_ERR_* names without the prefix). */
const TLS_CERT_ERROR = /^(ERR_TLS_CERT_ALTNAME_INVALID|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_[A-Z_]+|INVALID_CA|HOSTNAME_MISMATCH|ERR_SSL_[A-Z_]+)$/;

/**
 * A connection error that no retry will fix because the server's certificate (or its lack of TLS)
 * does not match DATABASE_URL: a sentence naming the problem and the fix, or undefined.
 */
export function tlsProblem(err: unknown): string | undefined {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return undefined;
  const code = e.code ?? "";
  const message = e.message ?? String(err);
  if (TLS_CERT_ERROR.test(code)) {
    return (
      `the database server's TLS certificate was refused (${code}: ${message}): DATABASE_URL's sslrootcert must be the database instance's ` +
      `CA certificate (the Database component's caCertificate output) and its sslmode verify-ca (see components/database/README.md)`
    );
  }
  if (/server does not support SSL/i.test(message)) {
    return `the database server does not accept TLS but DATABASE_URL's sslmode asks for it (${message}): enable TLS on the server, or fix sslmode`;
  }
  return undefined;
}

export class DatabaseTlsError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "DatabaseTlsError";
  }
}

/**
 * Opens one connection at start. A certificate problem is a configuration error, so it stops the
 * process with a message naming it instead of answering 503 forever; any other failure (the database
 * not there yet) is returned, and the process starts and answers 503 until the database is back.
 */
export async function checkDatabaseAtStart(pool: pg.Pool): Promise<Error | undefined> {
  try {
    const c = await pool.connect();
    c.release();
    return undefined;
  } catch (err) {
    const tls = tlsProblem(err);
    if (tls) throw new DatabaseTlsError(tls, err);
    return err as Error;
  }
}
