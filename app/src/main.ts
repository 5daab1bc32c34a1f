import nodemailer from "nodemailer";
import pino from "pino";
import type { Pool } from "pg";
import { buildApp, type RenfortApp } from "./app";
import { ConfigError, loadConfig, type AppConfig, type SmtpTimeouts } from "./config";
import { checkDatabaseAtStart, createPool, warmPool } from "./db";
import { DegradedMode } from "./degraded-mode";
import { migrationNames, runMigrations } from "./migrate";
import { OutboxWorker, type MailTransport } from "./outbox";

/**
 * Entry point of the bundle (dist/server.js) and of the npm scripts:
 *   node server.js [serve]     the HTTP service (and the outbox worker when OUTBOX_WORKER=on)
 *   node server.js migrate     apply migrations (release step, run with the migrator's DATABASE_URL)
 *   node server.js worker      the outbox worker alone
 *   node server.js healthcheck exit 0 when GET /healthz answers 200 (Docker HEALTHCHECK)
 */

type Log = (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

const jsonLog: Log = (level, msg, fields) => {
  process.stdout.write(JSON.stringify({ level, time: Date.now(), msg, ...fields }) + "\n");
};

/** `jsonLog` without the lines under `level` (pino's numeric levels), so the worker process honours LOG_LEVEL as the server does. */
function jsonLogAt(level: AppConfig["logLevel"]): Log {
  const threshold = level === "silent" ? Infinity : pino.levels.values[level];
  return (l, msg, fields) => {
    if (pino.levels.values[l] >= threshold) jsonLog(l, msg, fields);
  };
}

async function resolveDatabaseUrl(cfg: AppConfig, log: Log): Promise<{ url: string; embedded: boolean; stop: () => Promise<void> }> {
  if (cfg.databaseUrl) return { url: cfg.databaseUrl, embedded: false, stop: async () => undefined };
  let mod: typeof import("./embedded-pg");
  try {
    mod = await import("./embedded-pg");
  } catch {
    throw new ConfigError(["DATABASE_URL is not set and this build has no embedded PostgreSQL: set DATABASE_URL=postgres://user@host:5432/db"]);
  }
  const pg = await mod.startEmbeddedPostgres();
  log("info", "DATABASE_URL not set: using an embedded PostgreSQL (PGlite), data is not kept", {});
  return { url: pg.url, embedded: true, stop: pg.stop };
}

/**
 * PGlite (the embedded engine) has one session shared by all connections, where named statements
 * would collide. Unknown when the database is down at start: assume a real server.
 */
async function isPglite(pool: Pool): Promise<boolean> {
  try {
    const r = await pool.query<{ v: string }>("SELECT version() AS v");
    return /PGlite/i.test(r.rows[0]?.v ?? "");
  } catch {
    return false;
  }
}

export function createTransport(smtpUrl: string, timeouts: SmtpTimeouts): MailTransport {
  // Pooled SMTP connections: the worker sends a batch in parallel over a few connections.
  // https://nodemailer.com/smtp/pooled/
  const url = new URL(smtpUrl);
  url.searchParams.set("pool", "true");
  if (!url.searchParams.has("maxConnections")) url.searchParams.set("maxConnections", "5");
  // nodemailer's own defaults (2 min to connect, 30 s for the greeting, 10 min of silence) outlive the
  // outbox lease: a stalled server would get the same mail claimed and sent again by another worker.
  // config.ts requires their sum to be shorter than OUTBOX_LEASE_MS. https://nodemailer.com/smtp/#connection-options
  for (const [k, v] of Object.entries(timeouts)) url.searchParams.set(k, String(v));
  return nodemailer.createTransport(url.toString()) as unknown as MailTransport;
}

export interface Running {
  app: RenfortApp;
  url: string;
  pool: Pool;
  worker: OutboxWorker | undefined;
  degradedMode: DegradedMode;
  /** SHUTDOWN_DRAIN_MS: how long SIGTERM keeps serving with /readyz 503 before closing */
  shutdownDrainMs: number;
  close(): Promise<void>;
}

/**
 * The fleet-wide degraded-mode switch, read once before serving (so a restarted instance starts in
 * the current mode) and then watched. LISTEN holds one connection of its own, outside the request
 * pool: one more server connection per instance.
 */
async function startDegradedMode(
  cfg: AppConfig,
  url: string,
  pool: Pool,
  log: Log,
): Promise<{ mode: DegradedMode; stop: () => Promise<void> }> {
  const listenPool = createPool({ ...cfg, pgPoolSize: 1, pgPoolMin: 0 }, url);
  const mode = new DegradedMode({
    pool,
    defaultEnabled: cfg.degraded,
    instanceId: cfg.instanceId,
    pollMs: cfg.degradedModePollMs,
    listenConnection: () => listenPool.connect(),
    log,
  });
  await mode.start();
  return {
    mode,
    stop: async () => {
      await mode.stop();
      await listenPool.end();
    },
  };
}

/** Starts the service; `migrate` applies migrations first (development only: production runs them as a release step). */
export async function serve(env: Record<string, string | undefined>, opts: { migrate?: boolean } = {}): Promise<Running> {
  const cfg = loadConfig(env);
  const db = await resolveDatabaseUrl(cfg, jsonLog);
  if (opts.migrate) await runMigrations(db.url, { schema: cfg.databaseSchema });
  const pool = createPool(cfg, db.url);
  // a refused database certificate stops the start (exit 2, the message names it); a database not
  // there yet does not: the service starts and answers 503 until it is back
  if (!db.embedded) {
    const away = await checkDatabaseAtStart(pool).catch(async (err: unknown) => {
      await pool.end().catch(() => undefined);
      throw err;
    });
    if (away) jsonLog("warn", "database not reachable at start: answering 503 until it is", { error: away.message });
    else if (cfg.pgPoolMin > 0) {
      const opened = await warmPool(pool, cfg.pgPoolMin);
      if (opened < cfg.pgPoolMin) jsonLog("warn", "opened fewer database connections at start than PG_POOL_MIN: the rest open on demand", { opened, wanted: cfg.pgPoolMin });
    }
  }
  // Buffered, asynchronous log writes: a synchronous write to a stdout the kernel is slow to drain
  // (busy disk, slow log driver) would stall the event loop and every request with it. Flushed on
  // shutdown. https://getpino.io/#/docs/asynchronous
  const logStream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  // until the app's logger exists, the switch logs through the buffered stream as JSON lines
  let modeLog: Log = (level, msg, fields) => logStream.write(JSON.stringify({ level, time: Date.now(), msg, ...fields }) + "\n");
  const degraded = await startDegradedMode(cfg, db.url, pool, (level, msg, fields) => modeLog(level, msg, fields));
  const app = await buildApp({
    config: cfg,
    pool,
    migrations: migrationNames(),
    namedStatements: !(db.embedded || (await isPglite(pool))),
    logStream,
    degradedMode: degraded.mode,
  });
  modeLog = (level, msg, fields) => app.log[level]({ ...fields, component: "degraded-mode" }, msg);
  // a timer flushes the buffer when traffic is too low to fill it
  const flushTimer = setInterval(() => logStream.flush(), 1000);
  flushTimer.unref();
  let worker: OutboxWorker | undefined;
  if (cfg.outboxWorker && cfg.smtpUrl && cfg.publicUrl) {
    worker = new OutboxWorker(pool, createTransport(cfg.smtpUrl, cfg.smtpTimeouts), {
      mailFrom: cfg.mailFrom,
      publicUrl: cfg.publicUrl,
      recipientDailyCap: cfg.mailRecipientDailyCap,
      domainHourlyCap: cfg.mailDomainHourlyCap,
      leaseMs: cfg.outboxLeaseMs,
      log: (level, msg, fields) => app.log[level]({ ...fields, component: "outbox" }, msg),
      // degraded mode defers mail: it waits in the outbox and goes out when the mode ends
      paused: () => degraded.mode.state.enabled,
    });
    degraded.mode.onChange((st) => {
      if (!st.enabled) worker?.wake();
    });
    worker.start();
  }
  const address = await app.listen({ port: cfg.port, host: cfg.host });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await worker?.stop();
      await app.close(); // stops accepting, lets in-flight requests finish, answers 503 meanwhile
      await degraded.stop();
      await pool.end();
      await db.stop();
      clearInterval(flushTimer);
      logStream.flushSync();
    })());
  return { app, url: address, pool, worker, degradedMode: degraded.mode, shutdownDrainMs: cfg.shutdownDrainMs, close };
}

export function installSignals(running: Running): void {
  // The mode lives in the database: SIGHUP only re-reads it now (it no longer flips this process alone).
  process.on("SIGHUP", () => {
    running.degradedMode.refresh().catch((err: Error) => running.app.log.warn({ error: err.message }, "SIGHUP: cannot re-read the degraded-mode switch"));
  });
  const shutdown = (signal: string, drainMs: number) => {
    // A hard deadline below the orchestrator's kill timeout (docker stop --time 30, components/fleet/cloud-init.ts),
    // in case a request never finishes.
    setTimeout(() => process.exit(1), 25_000).unref();
    // SIGTERM (docker stop, the instance going away): /readyz turns 503 at once while the server keeps
    // serving, so the load balancers mark this instance down (their check every 5 s, 3 failures) and stop
    // sending before it stops accepting; only then does it close. SIGINT (a developer's Ctrl-C) does not wait.
    running.app.readiness.drain();
    running.app.log.info({ signal, drainMs }, drainMs > 0 ? "shutting down: not ready, draining" : "shutting down");
    const drained = new Promise<void>((resolve) => setTimeout(resolve, drainMs));
    drained
      .then(() => running.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          running.app.log.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM", running.shutdownDrainMs));
  process.once("SIGINT", () => shutdown("SIGINT", 0));
}

async function workerOnly(env: Record<string, string | undefined>): Promise<void> {
  const cfg = loadConfig(env);
  if (!cfg.smtpUrl) throw new ConfigError(["SMTP_URL is required to run the outbox worker, e.g. smtp://localhost:1025"]);
  const publicUrl = cfg.publicUrl;
  const log = jsonLogAt(cfg.logLevel);
  if (!publicUrl) throw new ConfigError(["PUBLIC_URL is required to run the outbox worker (the activation links mailed point to it), e.g. PUBLIC_URL=https://renfort.example.org"]);
  const db = await resolveDatabaseUrl(cfg, log);
  const pool = createPool({ ...cfg, pgPoolSize: Math.min(cfg.pgPoolSize, 5), pgPoolMin: 0 }, db.url);
  if (!db.embedded) {
    const away = await checkDatabaseAtStart(pool);
    if (away) log("warn", "database not reachable at start: the worker retries", { error: away.message });
  }
  const transport = createTransport(cfg.smtpUrl, cfg.smtpTimeouts);
  const degraded = await startDegradedMode(cfg, db.url, pool, log);
  const pollMs = env.OUTBOX_POLL_MS ? Number(env.OUTBOX_POLL_MS) : undefined;
  const worker = new OutboxWorker(pool, transport, {
    mailFrom: cfg.mailFrom,
    publicUrl,
    recipientDailyCap: cfg.mailRecipientDailyCap,
    domainHourlyCap: cfg.mailDomainHourlyCap,
    leaseMs: cfg.outboxLeaseMs,
    ...(pollMs && pollMs > 0 ? { pollMs } : {}),
    log,
    paused: () => degraded.mode.state.enabled,
  });
  degraded.mode.onChange((st) => {
    if (!st.enabled) worker.wake();
  });
  worker.start();
  log("info", "outbox worker started", {});
  const stop = async () => {
    await worker.stop();
    await degraded.stop();
    transport.close?.();
    await pool.end();
    await db.stop();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}

async function healthcheck(env: Record<string, string | undefined>): Promise<number> {
  const port = env.PORT && /^\d+$/.test(env.PORT) ? env.PORT : "8080";
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const command = argv[0] ?? "serve";
  switch (command) {
    case "serve": {
      const running = await serve(env);
      installSignals(running);
      return;
    }
    case "migrate": {
      const cfg = loadConfig(env);
      if (!cfg.databaseUrl) throw new ConfigError(["DATABASE_URL is required to migrate, e.g. postgres://migrator@host:5432/renfort"]);
      const ran = await runMigrations(cfg.databaseUrl, { schema: cfg.databaseSchema, log: (m) => jsonLog("info", m) });
      jsonLog("info", ran.length ? `applied ${ran.length} migration(s)` : "migrations already current", { applied: ran });
      return;
    }
    case "worker":
      return workerOnly(env);
    case "healthcheck":
      process.exit(await healthcheck(env));
      return;
    default:
      throw new ConfigError([`unknown command "${command}": use serve, migrate, worker or healthcheck`]);
  }
}

function fatal(err: unknown): never {
  if (err instanceof ConfigError) process.stderr.write(`renfort: ${err.message}\n`);
  else process.stderr.write(`renfort: ${(err as Error).message}\n`);
  process.exit(2);
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).catch(fatal);
}
