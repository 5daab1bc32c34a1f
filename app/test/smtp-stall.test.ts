import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../src/config";
import { createTransport } from "../src/main";
import { OutboxWorker, type MailTransport } from "../src/outbox";
import { appDb } from "../src/plugins/db";
import { signUp } from "../src/volunteer-flow";
import { createTestDb, type TestDb } from "./db";
import { SmtpSink } from "./smtp-sink";
import { until } from "./spawn";

/**
 * A stalled SMTP server never gets the same mail claimed twice: the SMTP timeouts (config.ts, shorter
 * than the outbox lease together) end each attempt before its lease does, so two workers sharing the
 * queue make one attempt at a time, and the mail is delivered once.
 *
 * In front of a real SMTP server (smtp-server) sits a TCP relay that records every connection (one per
 * attempt: a failed pooled connection is closed) and, for the first one, stalls: it accepts TCP and
 * never says a word, or the server takes the DATA and never answers it.
 */

const MAIL_FROM = "Renfort <no-reply@renfort.test>";
const LEASE_MS = 1500;
const ENV = {
  OUTBOX_LEASE_MS: String(LEASE_MS),
  SMTP_CONNECTION_TIMEOUT_MS: "300",
  SMTP_GREETING_TIMEOUT_MS: "300",
  SMTP_SOCKET_TIMEOUT_MS: "600",
};

let db: TestDb;
let sink: SmtpSink;
let sinkPort: number;

beforeAll(async () => {
  db = await createTestDb();
  sink = new SmtpSink();
  await sink.start();
  sinkPort = sink.port;
});
afterAll(async () => {
  await sink?.stop();
  await db?.drop();
});

interface Attempt {
  opened: number;
  closed?: number;
}

/** A relay to the sink whose first connection is swallowed when `blackHoleFirst`. */
async function relay(blackHoleFirst: boolean): Promise<{ url: string; attempts: Attempt[]; close(): Promise<void> }> {
  const attempts: Attempt[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const a: Attempt = { opened: Date.now() };
    attempts.push(a);
    sockets.add(client);
    client.on("close", () => {
      a.closed = Date.now();
      sockets.delete(client);
    });
    client.on("error", () => undefined);
    if (blackHoleFirst && attempts.length === 1) return; // TCP accepted, not a byte ever
    const upstream = connect(sinkPort, "127.0.0.1");
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  // The sink's own URL (credentials, requireTLS, its CA) aimed at the relay: STARTTLS passes through it.
  const url = new URL(sink.url());
  url.port = String(port);
  return {
    url: url.toString(),
    attempts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function oneMail(): Promise<string> {
  await db.pool.query("DELETE FROM email_outbox");
  const email = `stall${Date.now()}@example.org`;
  await signUp(appDb(db.pool), { email, firstName: "Camille", lastName: "Martin", zip: "75011" });
  const r = await db.pool.query<{ id: string }>("SELECT id::text FROM email_outbox");
  return r.rows[0]!.id;
}

/** Two workers (two instances) on the same queue until the mail is sent, plus one more lease. */
async function deliverWithTwoWorkers(smtpUrl: string): Promise<void> {
  const cfg = loadConfig(ENV);
  const transports: MailTransport[] = [createTransport(smtpUrl, cfg.smtpTimeouts), createTransport(smtpUrl, cfg.smtpTimeouts)];
  const workers = transports.map((t) => new OutboxWorker(db.pool, t, { mailFrom: MAIL_FROM, publicUrl: "https://renfort.test", leaseMs: cfg.outboxLeaseMs, pollMs: 50 }));
  for (const w of workers) w.start();
  try {
    await until(async () => sink.accepted.length >= 1, 20000);
    await new Promise((r) => setTimeout(r, LEASE_MS + 500));
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    for (const t of transports) t.close?.();
  }
}

/** Each attempt starts only once the one before it is over: never two at once on the same mail. */
function expectOneAttemptAtATime(attempts: Attempt[]): void {
  for (let i = 1; i < attempts.length; i++) {
    const previous = attempts[i - 1]!;
    expect({ attempt: i + 1, startedBeforePreviousEnded: previous.closed === undefined || attempts[i]!.opened < previous.closed }).toEqual({
      attempt: i + 1,
      startedBeforePreviousEnded: false,
    });
  }
}

beforeEach(() => {
  sink.accepted.length = 0;
  sink.hold = false;
  sink.held = 0;
});

test("a server that accepts TCP and never answers: the attempt ends before its lease, one attempt at a time, one delivery", async () => {
  const id = await oneMail();
  const r = await relay(true);
  try {
    await deliverWithTwoWorkers(r.url);
  } finally {
    await r.close();
  }
  expect(r.attempts[0]!.closed! - r.attempts[0]!.opened).toBeLessThan(LEASE_MS);
  expectOneAttemptAtATime(r.attempts);
  expect(sink.accepted.map((d) => d.outboxId)).toEqual([id]);
  const row = await db.pool.query("SELECT status, attempts FROM email_outbox WHERE id = $1", [id]);
  expect(row.rows).toEqual([{ status: "sent", attempts: 2 }]);
});

test("a server that takes the DATA and never answers it: the attempt ends before its lease, one attempt at a time, one delivery", async () => {
  const id = await oneMail();
  sink.hold = true;
  sink.once("held", () => (sink.hold = false)); // only the first DATA stalls
  const r = await relay(false);
  try {
    await deliverWithTwoWorkers(r.url);
  } finally {
    await r.close();
  }
  expect(sink.held).toBe(1);
  expect(r.attempts[0]!.closed! - r.attempts[0]!.opened).toBeLessThan(LEASE_MS);
  expectOneAttemptAtATime(r.attempts);
  expect(sink.accepted.map((d) => d.outboxId)).toEqual([id]);
  const row = await db.pool.query("SELECT status, attempts FROM email_outbox WHERE id = $1", [id]);
  expect(row.rows).toEqual([{ status: "sent", attempts: 2 }]);
});

test("the SMTP timeouts must end before the lease: a configuration that lets a send outlive it is refused", () => {
  expect(() => loadConfig({ ...ENV, SMTP_SOCKET_TIMEOUT_MS: "1000" })).toThrow(
    /OUTBOX_LEASE_MS must exceed SMTP_CONNECTION_TIMEOUT_MS \+ SMTP_GREETING_TIMEOUT_MS \+ SMTP_SOCKET_TIMEOUT_MS \(1600 ms\), got 1500/,
  );
  expect(loadConfig({}).smtpTimeouts).toEqual({ connectionTimeout: 10000, greetingTimeout: 10000, socketTimeout: 20000 });
  expect(loadConfig({}).outboxLeaseMs).toBe(60000);
});
