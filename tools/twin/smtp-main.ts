/**
 * The twin's SMTP server, standing for the relay the email component gives the fleet (Scaleway TEM or
 * Brevo): STARTTLS required before AUTH or MAIL (as TEM requires an encrypted connection:
 * https://www.scaleway.com/en/docs/transactional-email/reference-content/smtp-configuration/), the
 * component's credentials, and every accepted message written to a mailbox directory (one `.eml` file per
 * message, written to a temporary name and renamed, so a reader never sees half a message).
 * Runs as its own process: `node --import tsx tools/twin/smtp-main.ts <options.json>`.
 * https://nodemailer.com/extras/smtp-server/
 */
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";

export interface SmtpOptions {
  host: string;
  port: number;
  user: string;
  /** File holding the password (kept out of the options file and the process list). */
  passwordFile: string;
  cert: string;
  key: string;
  mailbox: string;
}

export function startSmtp(o: SmtpOptions): Promise<SMTPServer> {
  const password = readFileSync(o.passwordFile, "utf8");
  const mustBeSecure = (secure: boolean) => (secure ? null : Object.assign(new Error("Must issue a STARTTLS command first"), { responseCode: 530 }));
  const server = new SMTPServer({
    secure: false,
    key: readFileSync(o.key),
    cert: readFileSync(o.cert),
    authMethods: ["PLAIN", "LOGIN"],
    authOptional: false,
    logger: false,
    size: 1024 * 1024,
    onAuth(auth, session, callback) {
      const insecure = mustBeSecure(session.secure);
      if (insecure) return callback(insecure);
      if (auth.username !== o.user || auth.password !== password) {
        return callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      }
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, session, callback) {
      callback(mustBeSecure(session.secure) ?? undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const name = `${Date.now()}-${randomBytes(6).toString("hex")}`;
        const envelope = `X-Twin-Envelope-From: ${session.envelope.mailFrom ? session.envelope.mailFrom.address : ""}\r\nX-Twin-Envelope-To: ${session.envelope.rcptTo.map((r) => r.address).join(", ")}\r\n`;
        writeFileSync(join(o.mailbox, `.${name}.tmp`), Buffer.concat([Buffer.from(envelope), ...chunks]));
        renameSync(join(o.mailbox, `.${name}.tmp`), join(o.mailbox, `${name}.eml`));
        callback();
      });
    },
  });
  server.on("error", (e) => console.error(`smtp: ${e.message}`));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve(server));
  });
}

if (require.main === module) {
  const options = JSON.parse(readFileSync(process.argv[2], "utf8")) as SmtpOptions;
  startSmtp(options).then(
    () => console.log(`smtp listening on ${options.host}:${options.port}`),
    (e: Error) => {
      console.error(`smtp: ${e.message}`);
      process.exit(1);
    },
  );
  process.on("SIGTERM", () => process.exit(0));
}
