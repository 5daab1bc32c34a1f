/**
 * The app's SMTP connection string and the relay endpoint it uses. Both relays take STARTTLS, and Scaleway
 * requires an encrypted connection (https://www.scaleway.com/en/docs/transactional-email/reference-content/smtp-configuration/;
 * Brevo: https://developers.brevo.com/docs/smtp-integration, an SMTP key and the account's SMTP login).
 *
 * The fleet reaches the relay through the private network's Public Gateway, which drops 25, 465, 587 and 2525
 * unless SMTP is enabled on it (data/smtp-egress.ts has the sources). So the relay port is the first STARTTLS
 * port the gateway lets through: TEM's 2587. Brevo listens on no such port (587, 2525, 465): with Brevo the
 * gateway must have SMTP enabled, and `gatewaySmtpRequired` says so to the stack that wires the network.
 */
import { SMTP_RELAYS, gatewayBlocksSmtpPort, unblockedStarttlsPort, type SmtpRelay } from "../../data/smtp-egress";

export interface SmtpRelayEndpoint {
  host: string;
  port: number;
  /** True when `port` is one a Public Gateway blocks until SMTP is enabled on it. */
  gatewaySmtpRequired: boolean;
}

function endpointOf(relay: SmtpRelay): SmtpRelayEndpoint {
  const port = unblockedStarttlsPort(relay) ?? relay.starttlsPorts[0];
  return { host: relay.host, port, gatewaySmtpRequired: gatewayBlocksSmtpPort(port) };
}

/** Scaleway TEM relay (port 2587); the user is the Project ID, the password the secret key of an IAM API key. */
const TEM_SMTP: SmtpRelayEndpoint = endpointOf(SMTP_RELAYS["scaleway-tem"]);
/** Brevo relay (port 587: every Brevo port is one the gateway blocks); the user is the account's SMTP login, the password an SMTP key. */
export const BREVO_SMTP: SmtpRelayEndpoint = endpointOf(SMTP_RELAYS.brevo);

/** The relay endpoint of a provider: what the fleet connects to, and whether its egress must allow SMTP. */
export function smtpRelayOf(provider: "scaleway-tem" | "brevo"): SmtpRelayEndpoint {
  return provider === "brevo" ? BREVO_SMTP : TEM_SMTP;
}

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
