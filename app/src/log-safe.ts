/**
 * What an error may put in a log line. Logs leave the database's access control (journald on each
 * instance, whatever collects it), so they carry no personal data:
 * - a PostgreSQL error keeps its SQLSTATE `code`, its `message` (the statement's complaint: names the
 *   constraint or column, not the row) and where it was raised; never `detail` (`Failing row contains
 *   (...)`, `Key (email)=(...) already exists`), `where` or the query's parameters.
 *   Fields of a server error: https://www.postgresql.org/docs/15/protocol-error-fields.html
 * - an SMTP error is cut to {@link SMTP_ERROR_MAX} characters with every address in it replaced, since
 *   servers echo the recipient (`550 5.1.1 <jane@example.org>: Recipient address rejected`).
 */

export const LOG_MESSAGE_MAX = 300;
export const SMTP_ERROR_MAX = 200;

/** An email address anywhere in a text (the SMTP and PostgreSQL messages this is applied to are short). */
const EMAIL_IN_TEXT = /[^\s<>()"',;:=@]+@[^\s<>()"',;:@]+/g;

export function redactAddresses(text: string): string {
  return text.replace(EMAIL_IN_TEXT, "<address>");
}

export interface SafeError {
  type: string;
  message: string;
  code?: string;
  /** PostgreSQL: the constraint, table and column names (schema objects, not data) */
  constraint?: string;
  table?: string;
  column?: string;
  stack?: string;
}

/** The loggable part of an error: type, code, a bounded message, PostgreSQL's object names; no `detail`. */
export function safeError(err: unknown): SafeError {
  const e = (err ?? {}) as { name?: unknown; message?: unknown; code?: unknown; constraint?: unknown; table?: unknown; column?: unknown; stack?: unknown };
  const message = redactAddresses(String(e.message ?? err)).slice(0, LOG_MESSAGE_MAX);
  const out: SafeError = { type: typeof e.name === "string" ? e.name : "Error", message };
  if (typeof e.code === "string") out.code = e.code;
  for (const k of ["constraint", "table", "column"] as const) {
    if (typeof e[k] === "string") out[k] = e[k];
  }
  // The stack's first line repeats the message: keep the frames only.
  if (typeof e.stack === "string") out.stack = e.stack.split("\n").filter((l) => /^\s+at /.test(l)).slice(0, 10).join("\n");
  return out;
}

/** An SMTP failure for logs and `email_outbox.last_error`: addresses replaced, at most {@link SMTP_ERROR_MAX} characters. */
export function smtpErrorText(err: unknown): string {
  const e = err as { message?: unknown } | undefined;
  return redactAddresses(String(e?.message ?? err)).slice(0, SMTP_ERROR_MAX);
}
