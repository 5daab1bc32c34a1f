import type { Pool } from "pg";
import { safeError, type SafeError } from "./log-safe";
import { migrationStatus } from "./migrate";

/**
 * Readiness: "this instance can take traffic", what `/readyz` answers and what the load balancers'
 * backend health check asks (components/origin). Two parts:
 * - not draining: on SIGTERM the instance turns not ready at once, so the load balancers stop sending
 *   before the server stops accepting (main.ts waits SHUTDOWN_DRAIN_MS for that);
 * - the database: a background probe (every READINESS_PROBE_MS, default 2 s) runs
 *   `SELECT name FROM applied_migrations()` through the request pool as the app role, bounded by a
 *   short timeout, and keeps its latest result. `/readyz` only reads that result and runs no query
 *   itself, so load balancers checking every few seconds, or anyone else, cannot add database load
 *   through it; that is also why it can skip admission control (plugins/admission.ts).
 *
 * Failure semantics, chosen for the volunteers:
 * - An instance is not ready until its first successful probe with every migration file of this
 *   release applied: a release whose database access is broken (wrong password, CA, host, database)
 *   never passes the load balancers' check, hence never passes the fleet's health gate, and the
 *   previous release keeps serving.
 * - A pending migration makes it not ready at once (a release step was skipped: waiting fixes nothing).
 * - Once ready, a failing probe turns it not ready only after the probe has failed without a break for
 *   longer than READINESS_GRACE_MS (default 90 s). A database outage hits every instance at once: taking
 *   them all out of the load balancers would leave no backend, and every visitor would get the load
 *   balancer's bare 503 instead of the app's own answers (the French "service momentanément indisponible"
 *   page, 503 + Retry-After that the signup form handles, the static pages that need no database), and
 *   coming back would wait for the checks' `rise` after the database returned. A managed-database HA
 *   failover takes 30 to 60 s on Scaleway (https://www.scaleway.com/en/docs/managed-databases-for-postgresql-and-mysql/reference-content/autohealing/,
 *   "the standby node will begin handling write operations in 30 to 60 seconds"), plus the load
 *   balancers' 15 s to mark a server down: the grace rides that out. What the grace still catches is a
 *   failure of this instance alone (its own network path or pool broken for minutes while the others
 *   serve): then leaving the load balancers moves its share to instances that work. An outage of the
 *   whole database longer than the grace does empty the backends: the cost accepted for that case.
 * - A probe that times out while the pool is saturated (every connection busy, requests queued) is
 *   inconclusive, neither success nor failure: load is admission control's business (it sheds with 503
 *   + Retry-After), and counting it as a database failure would take a busy instance out of both load
 *   balancers and move its load onto the others, which would then fail the same way.
 */

export type NotReadyReason = "starting" | "draining" | "database_unavailable" | "migrations_pending";

export type ReadinessState = { ready: true } | { ready: false; reason: NotReadyReason };

type Log = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export interface ReadinessOptions {
  /** The request pool (the probe runs through it, as the app role). */
  pool: Pool;
  /** The migration names this release ships (migrationNames()). */
  migrations: readonly string[];
  /** Probe period, ms. Default 2000. */
  intervalMs?: number;
  /** How long the probe may fail without a break before a ready instance turns not ready, ms. Default 90000. */
  graceMs?: number;
  /** One probe's bound, ms. Default min(2000, intervalMs) but at least 500. */
  timeoutMs?: number;
  /** Default Date.now. */
  now?: () => number;
  log?: Log;
}

class ProbeTimeout extends Error {
  constructor(ms: number) {
    super(`the readiness probe got no answer within ${ms} ms`);
  }
}

export class Readiness {
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly log: Log;
  private draining = false;
  private everReady = false;
  /** start of the current unbroken run of failed probes; undefined after a success */
  private failingSince: number | undefined;
  private lastFailure: NotReadyReason | undefined = "starting";
  private migrationsPending = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private loggedState: string | undefined;

  constructor(private readonly opts: ReadinessOptions) {
    this.intervalMs = opts.intervalMs ?? 2000;
    this.graceMs = opts.graceMs ?? 90_000;
    this.timeoutMs = opts.timeoutMs ?? Math.max(500, Math.min(2000, this.intervalMs));
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => undefined);
  }

  /** What `/readyz` answers. */
  get state(): ReadinessState {
    if (this.draining) return { ready: false, reason: "draining" };
    if (this.migrationsPending) return { ready: false, reason: "migrations_pending" };
    if (!this.everReady) return { ready: false, reason: this.lastFailure ?? "starting" };
    if (this.failingSince !== undefined && this.now() - this.failingSince > this.graceMs) return { ready: false, reason: "database_unavailable" };
    return { ready: true };
  }

  /** Runs the first probe (so the instance starts with a known state), then one every intervalMs. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.probe();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Not ready from now on, whatever the database says: the instance is shutting down. */
  drain(): void {
    this.draining = true;
  }

  /** One probe now (also what the timer runs); never throws. */
  probe(): Promise<void> {
    this.running ??= this.runProbe().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.probe().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  private async runProbe(): Promise<void> {
    const pool = this.opts.pool;
    const max = (pool as Pool & { options?: { max?: number } }).options?.max ?? Infinity;
    const saturatedAtStart = pool.waitingCount > 0 || (pool.totalCount >= max && pool.idleCount === 0);
    let timer: NodeJS.Timeout | undefined;
    try {
      const status = await Promise.race([
        migrationStatus(pool, this.opts.migrations),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ProbeTimeout(this.timeoutMs)), this.timeoutMs);
        }),
      ]);
      this.migrationsPending = !status.current;
      this.failingSince = undefined;
      this.lastLogged = undefined;
      this.lastFailure = status.current ? undefined : "migrations_pending";
      if (status.current) this.everReady = true;
    } catch (err) {
      const saturated = saturatedAtStart || pool.waitingCount > 0;
      if (err instanceof ProbeTimeout && saturated && this.everReady) {
        // inconclusive: queued behind requests (see the class comment)
      } else {
        this.failingSince ??= this.now();
        this.lastFailure = "database_unavailable";
        this.logOnce("warn", "readiness probe failed", { err: safeError(err) });
      }
    } finally {
      clearTimeout(timer);
    }
    const st = this.state;
    const key = st.ready ? "ready" : st.reason;
    if (key !== this.loggedState) {
      if (this.loggedState !== undefined || !st.ready) this.log(st.ready ? "info" : "warn", st.ready ? "ready" : "not ready", st.ready ? {} : { reason: st.reason });
      this.loggedState = key;
    }
  }

  private lastLogged: string | undefined;
  /** once per distinct error, not every probe while the database is away */
  private logOnce(level: "warn", msg: string, fields: { err: SafeError }): void {
    const key = JSON.stringify(fields.err);
    if (key === this.lastLogged) return;
    this.lastLogged = key;
    this.log(level, msg, fields);
  }
}
