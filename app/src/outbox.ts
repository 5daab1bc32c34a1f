import type { Pool } from "pg";
import { safeError, smtpErrorText } from "./log-safe";

/**
 * The email outbox worker. Signup only inserts a row; this worker sends it, so SMTP latency never
 * reaches the signup request.
 *
 * Delivery semantics. A row goes pending -> sending (leased until next_attempt_at) -> sent. Claims use
 * `FOR UPDATE SKIP LOCKED`, so any number of workers share the queue without sending a row twice
 * while its lease runs. If a worker dies after claiming, the lease expires and another worker
 * retries the row. Exactly-once across a crash is impossible with SMTP in general (the crash may
 * fall between the server's "250 queued" and our UPDATE), so every attempt carries the same
 * Message-ID, derived from the outbox id: a resend after that narrow window is recognisable by
 * receivers, which deduplicate on Message-ID. A crash anywhere before the server accepted the
 * message (while connecting, during the SMTP dialogue, while streaming DATA) sends nothing, and the
 * retry delivers the message exactly once.
 * https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE
 */

export interface OutboxRow {
  id: string;
  kind: string;
  recipient: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

/** What the worker needs from a transport (nodemailer's `sendMail` fits). */
export interface MailTransport {
  sendMail(msg: MailMessage): Promise<unknown>;
  close?(): void;
}

export interface OutboxWorkerOptions {
  mailFrom: string;
  /** rows claimed per round; default 20 */
  batchSize?: number;
  /** how long a claimed row is ours before another worker may retry it; default 60 s */
  leaseMs?: number;
  /** sleep when the queue is empty; default 500 ms */
  pollMs?: number;
  /** attempts before a row is marked failed; default 8 */
  maxAttempts?: number;
  log?: (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;
  /**
   * While true, the worker claims nothing: mail stays pending in the outbox (degraded mode defers
   * it) and goes out once this turns false (call `wake()` then to send without waiting a poll).
   */
  paused?: () => boolean;
}

/** Retry delay after `attempts` failed attempts: 5 s, 10 s, 20 s... capped at 1 h, with jitter. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(5000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** The domain part of MAIL_FROM, for Message-IDs. */
export function mailDomain(mailFrom: string): string {
  const m = /@([^@\s>]+)>?\s*$/.exec(mailFrom);
  return m?.[1] ?? "renfort.localhost";
}

/** Stable across attempts: the same outbox row always produces the same Message-ID. */
export function messageIdFor(outboxId: string, mailFrom: string): string {
  return `<outbox-${outboxId}@${mailDomain(mailFrom)}>`;
}

export function renderMessage(row: OutboxRow, mailFrom: string): MailMessage {
  const common = {
    from: mailFrom,
    to: row.recipient,
    messageId: messageIdFor(row.id, mailFrom),
    headers: { "X-Renfort-Outbox-Id": row.id },
  };
  const str = (k: string) => (typeof row.payload[k] === "string" ? (row.payload[k] as string) : "");
  switch (row.kind) {
    case "volunteer_welcome":
      return {
        ...common,
        subject: "Votre inscription comme bénévole",
        text: `Bonjour ${str("firstName")},\n\nMerci de votre inscription. Votre compte sera activé sous peu ; vous pourrez alors candidater aux missions près de chez vous.\n\nL'équipe Renfort\n`,
      };
    case "organization_validated":
      return {
        ...common,
        subject: "Votre association est validée",
        text: `Bonjour,\n\nL'association ${str("name")} est validée. Pour publier des missions, utilisez ce jeton (en-tête Authorization: Bearer) :\n\n${str("token")}\n\nGardez-le secret.\n\nL'équipe Renfort\n`,
      };
    default:
      throw new Error(`unknown outbox kind ${row.kind}`);
  }
}

export const CLAIM_SQL = `UPDATE email_outbox o
SET status = 'sending', attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
FROM (
  SELECT id FROM email_outbox
  WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
  ORDER BY next_attempt_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED
) due
WHERE o.id = due.id
RETURNING o.id::text AS id, o.kind, o.recipient, o.payload, o.attempts`;

/** Claims up to `batchSize` due rows (pending, or sending with an expired lease) for this worker. */
export async function claimBatch(pool: Pool, batchSize: number, leaseMs: number): Promise<OutboxRow[]> {
  const r = await pool.query<OutboxRow>(CLAIM_SQL, [batchSize, leaseMs]);
  return r.rows;
}

export class OutboxWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private endSleep: (() => void) | undefined;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly log: NonNullable<OutboxWorkerOptions["log"]>;

  constructor(
    private readonly pool: Pool,
    private readonly transport: MailTransport,
    private readonly opts: OutboxWorkerOptions,
  ) {
    this.batchSize = opts.batchSize ?? 20;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 500;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.log = opts.log ?? (() => undefined);
  }

  /** One round: claim, send in parallel, record each outcome. Returns the number of rows claimed. */
  async runOnce(): Promise<number> {
    const rows = await claimBatch(this.pool, this.batchSize, this.leaseMs);
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    let msg: MailMessage;
    try {
      msg = renderMessage(row, this.opts.mailFrom);
    } catch (err) {
      await this.fail(row, err as Error, true);
      return;
    }
    try {
      await this.transport.sendMail(msg);
    } catch (err) {
      const e = err as Error & { responseCode?: number };
      // 5xx from the SMTP server is permanent (bad address...); anything else is worth a retry.
      await this.fail(row, e, e.responseCode !== undefined && e.responseCode >= 500);
      return;
    }
    // Scrub the payload: it may hold an organization's token, which must not outlive its mail.
    await this.pool.query(
      `UPDATE email_outbox SET status = 'sent', sent_at = now(), payload = '{}', last_error = NULL WHERE id = $1 AND status = 'sending'`,
      [row.id],
    );
    this.log("info", "mail sent", { outboxId: row.id, kind: row.kind, attempt: row.attempts });
  }

  private async fail(row: OutboxRow, err: Error, permanent: boolean): Promise<void> {
    const giveUp = permanent || row.attempts >= this.maxAttempts;
    // SMTP servers echo the recipient in their errors: addresses replaced, length bounded (log-safe.ts).
    const message = smtpErrorText(err);
    await this.pool.query(
      `UPDATE email_outbox
       SET status = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
       WHERE id = $1 AND status = 'sending'`,
      [row.id, giveUp ? "failed" : "pending", message, giveUp ? 0 : backoffMs(row.attempts)],
    );
    this.log(giveUp ? "error" : "warn", giveUp ? "mail failed for good" : "mail failed, will retry", {
      outboxId: row.id,
      attempt: row.attempts,
      error: message,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let claimed = 0;
        try {
          if (!this.opts.paused?.()) claimed = await this.runOnce();
        } catch (err) {
          this.log("warn", "outbox round failed", { error: safeError(err).message, code: safeError(err).code });
        }
        if (claimed === 0 && this.running) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, this.pollMs);
            this.endSleep = () => {
              clearTimeout(t);
              resolve();
            };
          });
          this.endSleep = undefined;
        }
      }
    })();
  }

  /** Ends the current sleep: the next round starts now. */
  wake(): void {
    this.endSleep?.();
  }

  /** Finishes the round in progress (mail being sent is not abandoned), then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.endSleep?.();
    await this.loop;
  }
}
