/**
 * The app's SMTP connection string. Both providers relay on port 587 with STARTTLS (Scaleway requires an
 * encrypted connection: https://www.scaleway.com/en/docs/transactional-email/reference-content/smtp-configuration/;
 * Brevo: https://developers.brevo.com/docs/smtp-integration, an SMTP key and the account's SMTP login).
 */

/** Scaleway TEM relay; the user is the Project ID, the password the secret key of an IAM API key. */
export const TEM_SMTP = { host: "smtp.tem.scaleway.com", port: 587 } as const;
/** Brevo relay; the user is the account's SMTP login, the password an SMTP key. */
export const BREVO_SMTP = { host: "smtp-relay.brevo.com", port: 587 } as const;

export interface SmtpEndpoint {
  user: string;
  password: string;
  host: string;
  port: number;
}

/**
 * `smtp://<user>:<password>@<host>:<port>?requireTLS=true`, user and password percent-encoded. Throws without
 * naming the password. `requireTLS` makes nodemailer refuse to send when STARTTLS cannot be negotiated, so a
 * stripped STARTTLS offer never sends the credentials in clear (https://nodemailer.com/smtp/#tls-options).
 */
export function buildSmtpUrl(e: SmtpEndpoint): string {
  if (!e.user) throw new Error("SMTP user is empty");
  if (!e.password) throw new Error(`SMTP password for ${e.user}@${e.host} is empty: the API key or SMTP key was not created or not read`);
  if (!/^[a-z0-9.-]+$/i.test(e.host)) throw new Error(`SMTP host must be a host name, got ${JSON.stringify(e.host)}`);
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) throw new Error(`SMTP port must be 1-65535, got ${e.port}`);
  return `smtp://${encodeURIComponent(e.user)}:${encodeURIComponent(e.password)}@${e.host}:${e.port}?requireTLS=true`;
}
