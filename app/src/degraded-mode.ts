import type { Pool, PoolClient } from "pg";

/**
 * The fleet-wide degraded mode. The switch is one row in the database (table `degraded_mode`), so
 * every instance sees the same value and a restarted instance starts in the current mode. An
 * instance learns a change two ways:
 * - LISTEN on a dedicated connection (not one of the request pool's, which may sit behind a
 *   transaction pooler where LISTEN does not hold): the writer's NOTIFY, sent at commit, makes each
 *   listener re-read the row within milliseconds. The connection is re-opened after any error.
 * - a periodic re-read (every `pollMs`, default 1 s) as the fallback when a notification is lost
 *   (listener reconnecting, pooler in the way), which alone keeps the flip under 2 s.
 * With no row yet (a new database), the instance applies its configured default (DEGRADED_MODE).
 * https://www.postgresql.org/docs/current/sql-notify.html https://node-postgres.com/apis/client#notification
 */

export const DEGRADED_MODE_CHANNEL = "renfort_degraded_mode";

export interface DegradedModeState {
  enabled: boolean;
  /** why it was last set; null while the default applies */
  reason: string | null;
  /** ISO time of the last change; null while the default applies */
  changedAt: string | null;
  /** the instance that received the last change */
  changedBy: string | null;
  /** "database": the row; "default": no row yet, DEGRADED_MODE applies */
  source: "database" | "default";
}

interface Row {
  enabled: boolean;
  reason: string;
  changedAt: Date;
  changedBy: string;
}

const COLUMNS = `enabled, reason, changed_at AS "changedAt", changed_by AS "changedBy"`;
export const READ_DEGRADED_MODE_SQL = `SELECT ${COLUMNS} FROM degraded_mode WHERE id`;
/**
 * One statement, hence one transaction: set the row, append the change to the history, and notify
 * every listener (delivered at commit). Concurrent writers serialize on the row.
 */
export const SET_DEGRADED_MODE_SQL = `WITH s AS (
  INSERT INTO degraded_mode (id, enabled, reason, changed_at, changed_by) VALUES (true, $1, $2, clock_timestamp(), $3)
  ON CONFLICT (id) DO UPDATE SET enabled = EXCLUDED.enabled, reason = EXCLUDED.reason, changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by
  RETURNING ${COLUMNS}
), h AS (
  INSERT INTO degraded_mode_changes (enabled, reason, instance, changed_at) SELECT enabled, reason, "changedBy", "changedAt" FROM s
)
SELECT s.*, pg_notify('${DEGRADED_MODE_CHANNEL}', s.enabled::text) AS notified FROM s`;

type Log = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export interface DegradedModeOptions {
  /** reads and writes of the row */
  pool: Pool;
  /** the mode while the database has no row (DEGRADED_MODE) */
  defaultEnabled: boolean;
  /** this instance's id, recorded with each change it receives */
  instanceId: string;
  /** re-read period; default 1000 ms */
  pollMs?: number;
  /** opens the dedicated LISTEN connection; without it, the instance polls only */
  listenConnection?: () => Promise<PoolClient>;
  log?: Log;
}

export class DegradedMode {
  private current: DegradedModeState;
  /** the last row applied, as `enabled|changedAt`, so an unchanged row changes nothing */
  private seen: string | undefined;
  private readonly listeners = new Set<(s: DegradedModeState) => void>();
  private readonly pollMs: number;
  private readonly log: Log;
  private stopped = true;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** closes the LISTEN connection in use, if any */
  private closeListener: (() => void) | undefined;
  private reading: Promise<void> | undefined;
  private rereadRequested = false;
  private pollError: string | undefined;

  constructor(private readonly opts: DegradedModeOptions) {
    this.current = defaultState(opts.defaultEnabled);
    this.pollMs = opts.pollMs ?? 1000;
    this.log = opts.log ?? (() => undefined);
  }

  get state(): DegradedModeState {
    return this.current;
  }

  get instanceId(): string {
    return this.opts.instanceId;
  }

  /** Called with the new state each time the mode or its reason changes. */
  onChange(fn: (s: DegradedModeState) => void): void {
    this.listeners.add(fn);
  }

  /** Reads the row once (the instance starts in the current mode), then listens and polls. */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.refresh();
    } catch (err) {
      this.log("warn", "degraded mode: cannot read the switch, applying the default until the database answers", {
        error: (err as Error).message,
        degraded: this.current.enabled,
      });
    }
    this.schedulePoll();
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    const close = this.closeListener;
    this.closeListener = undefined;
    close?.();
    await this.reading?.catch(() => undefined);
  }

  /** Re-reads the row and applies it when it changed. Concurrent calls share one read, plus one after it. */
  refresh(): Promise<void> {
    if (this.reading) {
      this.rereadRequested = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.rereadRequested = false;
          const r = await this.opts.pool.query<Row>(READ_DEGRADED_MODE_SQL);
          this.apply(r.rows[0]);
        } while (this.rereadRequested && !this.stopped);
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  /** Sets the switch for the whole fleet; this instance applies it at once, the others within 2 s. */
  async set(enabled: boolean, reason: string): Promise<DegradedModeState> {
    const r = await this.opts.pool.query<Row>(SET_DEGRADED_MODE_SQL, [enabled, reason, this.opts.instanceId]);
    this.apply(r.rows[0]);
    return this.current;
  }

  private apply(row: Row | undefined): void {
    const key = row ? `${row.enabled}|${row.changedAt.toISOString()}` : "default";
    if (key === this.seen) return;
    const first = this.seen === undefined;
    this.seen = key;
    const next: DegradedModeState = row
      ? { enabled: row.enabled, reason: row.reason, changedAt: row.changedAt.toISOString(), changedBy: row.changedBy, source: "database" }
      : defaultState(this.opts.defaultEnabled);
    const flipped = next.enabled !== this.current.enabled;
    this.current = next;
    if (flipped || !first) {
      this.log(flipped ? "warn" : "info", flipped ? "degraded mode switched" : "degraded mode reason changed", {
        degraded: next.enabled,
        reason: next.reason,
        changedAt: next.changedAt,
        changedBy: next.changedBy,
        instance: this.opts.instanceId,
      });
    }
    for (const fn of this.listeners) fn(next);
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      this.refresh()
        .then(
          () => {
            if (this.pollError !== undefined) this.log("info", "degraded mode: the switch is readable again", { degraded: this.current.enabled });
            this.pollError = undefined;
          },
          (err: Error) => {
            // once per distinct error, not once per second while the database is away
            if (err.message !== this.pollError) this.log("warn", "degraded mode: re-read failed, keeping the current mode", { error: err.message, degraded: this.current.enabled });
            this.pollError = err.message;
          },
        )
        .finally(() => this.schedulePoll());
    }, this.pollMs);
    this.pollTimer.unref();
  }

  private async listen(): Promise<void> {
    if (this.stopped || !this.opts.listenConnection) return;
    let client: PoolClient;
    try {
      client = await this.opts.listenConnection();
    } catch (err) {
      this.scheduleReconnect(err as Error);
      return;
    }
    const c = client;
    // Each connection is dropped once, whether it reports 'error', 'end' or both: one reconnect each.
    let dropped = false;
    const drop = (err: Error) => {
      if (dropped) return;
      dropped = true;
      this.closeListener = undefined;
      c.release(err);
      this.scheduleReconnect(err);
    };
    // A held connection has no pool 'error' listener: without ours, its failure would crash the process.
    c.on("error", drop);
    c.on("end", () => drop(new Error("connection ended")));
    c.on("notification", (n) => {
      if (n.channel === DEGRADED_MODE_CHANNEL) this.refresh().catch((err: Error) => this.log("warn", "degraded mode: re-read failed", { error: err.message }));
    });
    try {
      await c.query(`LISTEN ${DEGRADED_MODE_CHANNEL}`);
    } catch (err) {
      drop(err as Error);
      return;
    }
    const close = () => {
      dropped = true;
      c.release(true);
    };
    if (this.stopped) return close();
    this.closeListener = close;
    // whatever changed while no one was listening
    await this.refresh().catch(() => undefined);
  }

  private scheduleReconnect(err: Error): void {
    if (this.stopped || this.reconnectTimer !== undefined) return;
    this.log("warn", "degraded mode: LISTEN connection lost, polling until it is back", { error: err.message });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen();
    }, 1000);
    this.reconnectTimer.unref();
  }
}

function defaultState(enabled: boolean): DegradedModeState {
  return { enabled, reason: null, changedAt: null, changedBy: null, source: "default" };
}
