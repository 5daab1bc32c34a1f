import { execFileSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { scratchDir } from "../../testing/scratch";

/**
 * A real SMTP server on a local port that records what it accepted. Like Scaleway TEM and Brevo on their
 * submission ports, it speaks plain SMTP first, then requires STARTTLS before AUTH, and AUTH (the
 * credentials in the URL) before MAIL FROM: https://www.scaleway.com/en/docs/transactional-email/reference-content/smtp-configuration/
 * and https://help.brevo.com/hc/en-us/articles/7924908994450 (port 587, STARTTLS, login + SMTP key).
 * `{ starttls: false }` makes a sink that offers no STARTTLS, to show the app refuses to send in clear.
 * `hold` keeps every DATA transaction open without answering (the sender cannot know whether the mail
 * went through); `failNext` answers the next messages with a given SMTP error.
 */
export interface SmtpSinkOptions {
  /** Offer STARTTLS (default true). */
  starttls?: boolean;
}

export const SINK_USER = "renfort-test";
export const SINK_PASSWORD = "sink-pass-7c1e9a";

/**
 * A self-signed certificate for 127.0.0.1 (openssl CLI, as app/test/tls-pg.test.ts). The client trusts it
 * through `tls.ca` in the SMTP URL (nodemailer reads `tls.*` query parameters), so the certificate is
 * verified as it is against TEM's public one.
 */
function testCertificate(): { key: string; cert: string } {
  const dir = scratchDir("renfort-smtp-tls-");
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=renfort-test-smtp", "-addext", "subjectAltName=IP:127.0.0.1"],
      { cwd: dir, stdio: "pipe" },
    );
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let certificate: { key: string; cert: string } | undefined;
export interface Delivery {
  /** Whether the session was under TLS (STARTTLS) when the mail was sent. */
  secure: boolean;
  /** The user the session logged in as. */
  user: string;
  messageId: string;
  outboxId: string;
  to: string;
  raw: string;
}

export class SmtpSink extends EventEmitter {
  readonly accepted: Delivery[] = [];
  held = 0;
  hold = false;
  failNext: Array<{ code: number; message: string }> = [];
  /** Sessions that logged in, and failed logins (wrong user or password). */
  readonly logins: string[] = [];
  rejectedLogins = 0;
  private server: SMTPServer;
  private readonly starttls: boolean;
  port = 0;

  constructor(options: SmtpSinkOptions = {}) {
    super();
    this.starttls = options.starttls ?? true;
    certificate ??= testCertificate();
    this.server = new SMTPServer({
      secure: false,
      // Without STARTTLS it takes the login in clear, so only the client's requireTLS can refuse to send.
      ...(this.starttls ? { key: certificate.key, cert: certificate.cert } : { disabledCommands: ["STARTTLS"], allowInsecureAuth: true }),
      // With STARTTLS, AUTH is only offered once TLS is up (smtp-server's default, allowInsecureAuth: false), and required.
      authOptional: false,
      authMethods: ["PLAIN", "LOGIN"],
      logger: false,
      onAuth: (auth, session, callback) => {
        if (auth.username !== SINK_USER || auth.password !== SINK_PASSWORD) {
          this.rejectedLogins += 1;
          return callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
        }
        if (this.starttls && !session.secure) return callback(new Error("Must issue a STARTTLS command first"));
        this.logins.push(auth.username ?? "");
        callback(null, { user: auth.username });
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          if (this.hold) {
            this.held += 1;
            this.emit("held");
            return; // never answer: the client is stuck between "sent" and "accepted"
          }
          const fail = this.failNext.shift();
          if (fail) {
            const err = Object.assign(new Error(fail.message), { responseCode: fail.code });
            return callback(err);
          }
          const header = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, "im").exec(raw)?.[1]?.trim() ?? "";
          this.accepted.push({
            secure: session.secure,
            user: String(session.user ?? ""),
            messageId: header("Message-ID"),
            outboxId: header("X-Renfort-Outbox-Id"),
            to: session.envelope.rcptTo.map((r) => r.address).join(","),
            raw,
          });
          this.emit("accepted");
          callback();
        });
      },
    });
    this.server.on("error", () => undefined);
  }

  /**
   * Starts listening; returns the URL the app is given, shaped like the one components/email/smtp.ts builds
   * (`smtp://user:password@host:port?requireTLS=true`) plus the test CA. `credentials` overrides the login.
   */
  async start(credentials: { user: string; password: string } = { user: SINK_USER, password: SINK_PASSWORD }): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.url(credentials);
  }

  url(credentials: { user: string; password: string } = { user: SINK_USER, password: SINK_PASSWORD }): string {
    const u = new URL(`smtp://127.0.0.1:${this.port}`);
    u.username = encodeURIComponent(credentials.user);
    u.password = encodeURIComponent(credentials.password);
    u.searchParams.set("requireTLS", "true");
    u.searchParams.set("tls.ca", certificate!.cert);
    return u.toString();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
