import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/**
 * A real SMTP server on a local port that records what it accepted. `hold` keeps every DATA
 * transaction open without answering (the sender cannot know whether the mail went through);
 * `failNext` answers the next messages with a given SMTP error.
 */
export interface Delivery {
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
  private server: SMTPServer;
  port = 0;

  constructor() {
    super();
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
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

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
