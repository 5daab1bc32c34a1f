import type { Pool } from "pg";
import { activationLink, greeting } from "./confirmation";
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
 *
 * No relay for phishing. Anyone can make us mail any address (signup is open), so a mail never holds
 * what a visitor typed except a greeting made of letters only (confirmation.ts `greeting`), and the
 * only link is PUBLIC_URL's activation link. Sending caps, counted in email_send_counts: a recipient
 * address gets at most `recipientDailyCap` mails a (UTC) day, the rest are marked failed with the
 * reason and never sent; a recipient domain gets at most `domainHourlyCap` an hour, the rest wait in
 * the outbox for the next hour.
 *
 * Rolling release. A worker of the previous release marks a row of a kind it does not know failed
 * ("unknown outbox kind ...", renderMessage) without sending it. This worker puts such rows of the
 * kinds it knows back in the queue (`RESCUE_SQL`, at start and every `rescueEveryMs`), so a mail
 * enqueued during the rollout goes out late but does go out.
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
  /** https origin the activation links point to (PUBLIC_URL) */
  publicUrl: string;
  /** mails a recipient address may get a UTC day; over it a row is failed, never sent. Default 5 */
  recipientDailyCap?: number;
  /** mails a recipient domain may get an hour; over it a row waits for the next hour. Default 500000 */
  domainHourlyCap?: number;
  /** how often rows failed by a previous release's worker for an unknown kind are re-queued; default 60 s */
  rescueEveryMs?: number;
  /** rows claimed per round; default 20 */
  batchSize?: number;
  /** how long a claimed row is ours before another worker may retry it; default 60 s */
  leaseMs?: number;
  /** sleep when the queue is empty; default 500 ms */
  pollMs?: number;
  /** attempts before a row is marked failed; default 8 */
  maxAttempts?: number;
  log?: (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;
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

/** The kinds this release renders; a row of another kind fails (see the rolling-release note above). */
export const KNOWN_KINDS = ["volunteer_confirmation", "volunteer_account_exists", "volunteer_welcome", "organization_validated"] as const;

export function renderMessage(row: OutboxRow, mailFrom: string, publicUrl: string): MailMessage {
  const common = {
    from: mailFrom,
    to: row.recipient,
    messageId: messageIdFor(row.id, mailFrom),
    headers: { "X-Renfort-Outbox-Id": row.id },
  };
  const str = (k: string) => (typeof row.payload[k] === "string" ? (row.payload[k] as string) : "");
  // the one piece of visitor input a mail holds, made safe here, where every kind is rendered
  const hello = greeting(str("firstName"));
  switch (row.kind) {
    case "volunteer_confirmation":
      return {
        ...common,
        subject: "Activez votre compte de bénévole",
        text: `${hello}\n\nPour activer votre compte de bénévole Renfort, ouvrez ce lien puis cliquez sur « Activer mon compte » :\n\n${activationLink(publicUrl, str("token"))}\n\nLe lien est valable 48 heures et ne sert qu'une fois. Si vous ne vous êtes pas inscrit, ignorez ce message : sans activation, aucun compte n'est créé.\n\nL'équipe Renfort\n`,
      };
    case "volunteer_account_exists":
      return {
        ...common,
        subject: "Vous avez déjà un compte de bénévole",
        text: `${hello}\n\nQuelqu'un (peut-être vous) a demandé une inscription avec cette adresse, qui a déjà un compte de bénévole Renfort actif. Vous n'avez rien à faire : vous pouvez candidater aux missions avec cette adresse. Si ce n'était pas vous, ignorez ce message.\n\nL'équipe Renfort\n`,
      };
    case "volunteer_welcome":
      // enqueued by the release before double opt-in (its volunteers are active)
      return {
        ...common,
        subject: "Votre inscription comme bénévole",
        text: `${hello}\n\nMerci de votre inscription. Vous pouvez candidater aux missions près de chez vous.\n\nL'équipe Renfort\n`,
      };
    case "organization_validated":
      // the association's name is text its registrant typed: not repeated here
      return {
        ...common,
        subject: "Votre association est validée",
        text: `Bonjour,\n\nVotre association est validée. Pour publier des missions, utilisez ce jeton (en-tête Authorization: Bearer) :\n\n${str("token")}\n\nGardez-le secret.\n\nL'équipe Renfort\n`,
      };
    default:
      throw new Error(`unknown outbox kind ${row.kind}`);
  }
}

/** Rows a previous release's worker failed because it did not know their kind, back in the queue. */
export const RESCUE_SQL = `UPDATE email_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
WHERE status = 'failed' AND kind = ANY($1::text[]) AND last_error LIKE 'unknown outbox kind %'`;

/**
 * Takes one send from a counter unless it reached `cap`: a row back means the send may go. The
 * windows are UTC days (recipients) and hours (domains).
 */
export const COUNT_SEND_SQL = `INSERT INTO email_send_counts (scope, key, window_start, sent)
VALUES ($1, $2, date_trunc($3, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1)
ON CONFLICT (scope, key, window_start) DO UPDATE SET sent = email_send_counts.sent + 1 WHERE email_send_counts.sent < $4
RETURNING sent`;

/** The domain of a recipient address, lower case (the counters' key). */
export function recipientDomain(recipient: string): string {
  return (recipient.split("@").pop() ?? "").toLowerCase();
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
  private readonly recipientDailyCap: number;
  private readonly domainHourlyCap: number;
  private readonly rescueEveryMs: number;
  private lastRescue = -Infinity;

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
    this.recipientDailyCap = opts.recipientDailyCap ?? 5;
    this.domainHourlyCap = opts.domainHourlyCap ?? 500_000;
    this.rescueEveryMs = opts.rescueEveryMs ?? 60_000;
  }

  /** One round: claim, send in parallel, record each outcome. Returns the number of rows claimed. */
  async runOnce(): Promise<number> {
    if (Date.now() - this.lastRescue >= this.rescueEveryMs) {
      const r = await this.pool.query(RESCUE_SQL, [KNOWN_KINDS]);
      this.lastRescue = Date.now();
      if (r.rowCount) this.log("warn", "re-queued mail a previous release could not render", { rows: r.rowCount });
    }
    const rows = await claimBatch(this.pool, this.batchSize, this.leaseMs);
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    let msg: MailMessage;
    try {
      msg = renderMessage(row, this.opts.mailFrom, this.opts.publicUrl);
    } catch (err) {
      await this.fail(row, err as Error, true);
      return;
    }
    if (!(await this.withinCaps(row))) return;
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

  /** Counts the send against both caps; over one, records why and returns false (nothing is sent). */
  private async withinCaps(row: OutboxRow): Promise<boolean> {
    const domain = await this.pool.query(COUNT_SEND_SQL, ["domain", recipientDomain(row.recipient), "hour", this.domainHourlyCap]);
    if (!domain.rowCount) {
      // not an attempt: the row waits for the next hour's window
      await this.pool.query(
        `UPDATE email_outbox SET status = 'pending', attempts = attempts - 1, last_error = $2,
           next_attempt_at = date_trunc('hour', now()) + interval '1 hour'
         WHERE id = $1 AND status = 'sending'`,
        [row.id, `deferred: recipient domain hourly cap (${this.domainHourlyCap}) reached`],
      );
      this.log("warn", "mail deferred: recipient domain hourly cap reached", { outboxId: row.id, kind: row.kind });
      return false;
    }
    const recipient = await this.pool.query(COUNT_SEND_SQL, ["recipient", row.recipient.toLowerCase(), "day", this.recipientDailyCap]);
    if (!recipient.rowCount) {
      await this.pool.query(`UPDATE email_outbox SET status = 'failed', payload = '{}', last_error = $2 WHERE id = $1 AND status = 'sending'`, [
        row.id,
        `not sent: recipient daily cap (${this.recipientDailyCap}) reached`,
      ]);
      this.log("warn", "mail not sent: recipient daily cap reached", { outboxId: row.id, kind: row.kind });
      return false;
    }
    return true;
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
          const held = this.opts.paused?.() ?? false;
          if (!held) claimed = await this.runOnce();
          this.log("debug", "outbox round", { held, claimed });
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
