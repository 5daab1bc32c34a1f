import { loadConfig } from "../src/config";
import { createTransport } from "../src/main";
import { OutboxWorker } from "../src/outbox";
import { appDb } from "../src/plugins/db";
import { signUp } from "../src/volunteer-flow";
import { createTestDb, type TestDb } from "./db";
import { SINK_USER, SmtpSink } from "./smtp-sink";
import { runBundle, until } from "./spawn";

/** The outbox worker against a real SMTP server: delivery, retries, and a crash mid-send. */

const MAIL_FROM = "Renfort <no-reply@renfort.test>";
const PUBLIC_URL = "https://renfort.test";
const TIMEOUTS = loadConfig({}).smtpTimeouts;
let db: TestDb;
let sink: SmtpSink;
let smtpUrl: string;

beforeAll(async () => {
  db = await createTestDb();
  sink = new SmtpSink();
  smtpUrl = await sink.start();
});
afterAll(async () => {
  await sink?.stop();
  await db?.drop();
});
beforeEach(async () => {
  sink.accepted.length = 0;
  sink.hold = false;
  sink.held = 0;
  sink.failNext = [];
  await db.pool.query("DELETE FROM email_outbox");
});

let n = 0;
async function signups(count: number): Promise<string[]> {
  for (let i = 0; i < count; i++) {
    n += 1;
    await signUp(appDb(db.pool), { email: `mail${n}@example.org`, firstName: `P${n}`, lastName: "N", zip: "75011" });
  }
  const o = await db.pool.query<{ id: string }>("SELECT id::text FROM email_outbox ORDER BY id");
  return o.rows.map((r) => r.id);
}

async function statuses(): Promise<Record<string, string>> {
  const r = await db.pool.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM email_outbox GROUP BY status");
  return Object.fromEntries(r.rows.map((x) => [x.status, String(x.n)]));
}

test("sends each pending mail once, with a Message-ID derived from the outbox id, and scrubs the payload", async () => {
  const ids = await signups(5);
  const transport = createTransport(smtpUrl, TIMEOUTS);
  const worker = new OutboxWorker(db.pool, transport, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL, batchSize: 3 });
  while ((await worker.runOnce()) > 0);
  transport.close?.();
  expect(sink.accepted.map((d) => d.outboxId).sort()).toEqual([...ids].sort());
  for (const d of sink.accepted) expect(d.messageId).toBe(`<outbox-${d.outboxId}@renfort.test>`);
  // Over STARTTLS, logged in with the credentials of the URL, as TEM and Brevo require.
  expect(sink.accepted.map((d) => [d.secure, d.user])).toEqual(ids.map(() => [true, SINK_USER]));
  expect(await statuses()).toEqual({ sent: "5" });
  const payloads = await db.pool.query("SELECT DISTINCT payload::text AS p FROM email_outbox");
  expect(payloads.rows).toEqual([{ p: "{}" }]);
});

test("wrong credentials send nothing: the row records the server's refusal", async () => {
  await signups(1);
  const transport = createTransport(sink.url({ user: SINK_USER, password: "not-the-password" }), TIMEOUTS);
  const worker = new OutboxWorker(db.pool, transport, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL, batchSize: 1 });
  await worker.runOnce();
  transport.close?.();
  expect(sink.accepted).toEqual([]);
  expect(sink.rejectedLogins).toBeGreaterThan(0);
  const row = await db.pool.query<{ status: string; last_error: string }>("SELECT status, last_error FROM email_outbox");
  expect(row.rows[0]!.last_error).toMatch(/535/);
});

test("a server that offers no STARTTLS gets nothing: requireTLS refuses to send in clear", async () => {
  const plain = new SmtpSink({ starttls: false });
  const url = await plain.start();
  try {
    await signups(1);
    const transport = createTransport(url, TIMEOUTS);
    const worker = new OutboxWorker(db.pool, transport, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL, batchSize: 1 });
    await worker.runOnce();
    transport.close?.();
    expect(plain.accepted).toEqual([]);
    expect(plain.logins).toEqual([]);
    const row = await db.pool.query<{ status: string; last_error: string }>("SELECT status, last_error FROM email_outbox");
    expect(row.rows[0]!.last_error).toMatch(/STARTTLS/);
    // The same sink takes the mail from a client that does not insist on TLS: the refusal above is the app's.
    const lax = new URL(url);
    lax.searchParams.delete("requireTLS");
    await db.pool.query("UPDATE email_outbox SET status = 'pending', next_attempt_at = now()");
    const laxTransport = createTransport(lax.toString(), TIMEOUTS);
    await new OutboxWorker(db.pool, laxTransport, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL, batchSize: 1 }).runOnce();
    laxTransport.close?.();
    expect(plain.accepted.map((d) => [d.secure, d.user])).toEqual([[false, SINK_USER]]);
  } finally {
    await plain.stop();
  }
});

test("a transient SMTP error is retried with backoff; a permanent one gives up", async () => {
  const [transientId, permanentId] = await signups(2);
  sink.failNext = [
    { code: 451, message: "try again later" },
    { code: 550, message: "no such user" },
  ];
  const transport = createTransport(`${smtpUrl}&maxConnections=1`, TIMEOUTS);
  const worker = new OutboxWorker(db.pool, transport, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL, batchSize: 1 });
  await worker.runOnce();
  await worker.runOnce();
  const rows = await db.pool.query<{ id: string; status: string; attempts: number; last_error: string; due_later: boolean }>(
    "SELECT id::text, status, attempts, last_error, next_attempt_at > now() AS due_later FROM email_outbox ORDER BY id",
  );
  expect(rows.rows.map((r) => [r.id, r.status, r.attempts, r.due_later])).toEqual([
    [transientId, "pending", 1, true],
    [permanentId, "failed", 1, false],
  ]);
  expect(rows.rows[0]!.last_error).toMatch(/try again later/);
  expect(await worker.runOnce()).toBe(0); // not due yet: the backoff holds
  await db.pool.query("UPDATE email_outbox SET next_attempt_at = now() WHERE id = $1", [transientId]);
  expect(await worker.runOnce()).toBe(1);
  transport.close?.();
  expect(sink.accepted.map((d) => d.outboxId)).toEqual([transientId]);
  expect(await statuses()).toEqual({ sent: "1", failed: "1" });
});

test("a worker killed between claim and send: after restart every mail is delivered exactly once", async () => {
  const ids = await signups(6);
  const env = { DATABASE_URL: db.url, SMTP_URL: smtpUrl, MAIL_FROM, PUBLIC_URL, OUTBOX_POLL_MS: "100", LOG_LEVEL: "warn" };
  // The 1st worker's leases are short (its rows come back soon after the kill), so its SMTP timeouts must be
  // shorter still (config.ts); the 2nd keeps the defaults: 200 ms to connect would fail a send on a busy machine
  // and attempt the row a third time.
  const shortLease = { ...env, OUTBOX_LEASE_MS: "1500", SMTP_CONNECTION_TIMEOUT_MS: "200", SMTP_GREETING_TIMEOUT_MS: "200", SMTP_SOCKET_TIMEOUT_MS: "1000" };

  // 1st worker: the SMTP server takes the messages but never answers; kill -9 the worker there.
  sink.hold = true;
  const first = runBundle(["worker"], shortLease);
  await until(async () => sink.held >= 1);
  const claimed = await db.pool.query<{ id: string; attempts: number }>("SELECT id::text, attempts FROM email_outbox WHERE status = 'sending' ORDER BY id");
  expect(claimed.rows.length).toBeGreaterThan(0);
  first.child.kill("SIGKILL");
  await first.exited;
  expect(sink.accepted).toHaveLength(0);

  // 2nd worker: once the leases expire it takes the rows over and delivers.
  sink.hold = false;
  const second = runBundle(["worker"], env);
  try {
    await until(async () => (await statuses()).sent === "6", 20000);
  } finally {
    second.child.kill("SIGTERM");
    await second.exited;
  }
  const perId = new Map<string, number>();
  for (const d of sink.accepted) perId.set(d.outboxId, (perId.get(d.outboxId) ?? 0) + 1);
  expect([...perId.keys()].sort()).toEqual([...ids].sort());
  expect([...perId.values()].every((c) => c === 1)).toBe(true);
  // the rows the dead worker had claimed were attempted once more (once, not again and again), under the same Message-ID
  const attempts = await db.pool.query<{ id: string; attempts: number }>("SELECT id::text, attempts FROM email_outbox WHERE id = ANY($1::bigint[]) ORDER BY id", [
    claimed.rows.map((r) => r.id),
  ]);
  expect(attempts.rows).toEqual(claimed.rows.map((r) => ({ id: r.id, attempts: r.attempts + 1 })));
  for (const d of sink.accepted) expect(d.messageId).toBe(`<outbox-${d.outboxId}@renfort.test>`);
  // LOG_LEVEL=warn: the worker process logged no "mail sent" (info) line, as the server would not
  expect(second.stdout.filter((l) => /"level":"(info|debug)"/.test(l))).toEqual([]);
});

test("two workers share the queue without sending a row twice (SKIP LOCKED)", async () => {
  const ids = await signups(12);
  const t1 = createTransport(smtpUrl, TIMEOUTS);
  const t2 = createTransport(smtpUrl, TIMEOUTS);
  const w1 = new OutboxWorker(db.pool, t1, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL, batchSize: 4 });
  const w2 = new OutboxWorker(db.pool, t2, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL, batchSize: 4 });
  for (;;) {
    const [a, b] = await Promise.all([w1.runOnce(), w2.runOnce()]);
    if (a + b === 0) break;
  }
  t1.close?.();
  t2.close?.();
  expect(sink.accepted.map((d) => d.outboxId).sort()).toEqual([...ids].sort());
});

describe("no phishing relay", () => {
  beforeEach(async () => {
    await db.pool.query("DELETE FROM email_send_counts");
  });

  test("a confirmation mail holds the letters-only greeting and the PUBLIC_URL link, never the other typed text", async () => {
    const typed = { email: "relay@example.org", firstName: "Gagnez 1000€ sur http://evil.example", lastName: "Cliquez www.evil.example/x", zip: "75011" };
    await signUp(appDb(db.pool), typed);
    const transport = createTransport(smtpUrl, TIMEOUTS);
    await new OutboxWorker(db.pool, transport, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL }).runOnce();
    transport.close?.();
    // quoted-printable (RFC 2045): soft line breaks joined, "=" decoded
    const raw = sink.accepted.find((d) => d.to === typed.email)!.raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    expect(raw).toMatch(/^Bonjour,$/m);
    expect(raw).not.toMatch(/evil|Gagnez|Cliquez|1000/);
    const links = raw.match(/https?:\/\/[^\s"<>]+/g) ?? [];
    expect(links.length).toBe(1);
    expect(links[0]).toMatch(/^https:\/\/renfort\.test\/signup\/activation\?jeton=[A-Za-z0-9_-]{43}$/);
  });

  test("over the recipient's daily cap: failed with the reason, never sent; over the domain's hourly cap: deferred", async () => {
    const transport = createTransport(smtpUrl, TIMEOUTS);
    for (let i = 0; i < 3; i++) await signUp(appDb(db.pool), { email: "capped@example.org", firstName: "Ann", lastName: "N", zip: "75011" });
    const perRecipient = new OutboxWorker(db.pool, transport, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL, batchSize: 1, recipientDailyCap: 2 });
    while ((await perRecipient.runOnce()) > 0);
    await signUp(appDb(db.pool), { email: "other@busy.example", firstName: "Bob", lastName: "N", zip: "75011" });
    await signUp(appDb(db.pool), { email: "third@busy.example", firstName: "Cy", lastName: "N", zip: "75011" });
    const perDomain = new OutboxWorker(db.pool, transport, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL, batchSize: 1, domainHourlyCap: 1 });
    while ((await perDomain.runOnce()) > 0);
    transport.close?.();
    expect(sink.accepted.map((d) => d.to).sort()).toEqual(["capped@example.org", "capped@example.org", "other@busy.example"]);
    const rows = await db.pool.query(
      `SELECT recipient, status, last_error, attempts, CASE WHEN status = 'pending' THEN next_attempt_at > now() END AS later, payload = '{}'::jsonb AS scrubbed FROM email_outbox WHERE status <> 'sent' ORDER BY id`,
    );
    expect(rows.rows).toEqual([
      { recipient: "capped@example.org", status: "failed", last_error: "not sent: recipient daily cap (2) reached", attempts: 1, later: null, scrubbed: true },
      { recipient: "third@busy.example", status: "pending", last_error: "deferred: recipient domain hourly cap (1) reached", attempts: 0, later: true, scrubbed: false },
    ]);
  });

  test("a row a previous release's worker failed for its unknown kind is sent by this one", async () => {
    await signUp(appDb(db.pool), { email: "rollout@example.org", firstName: "Ann", lastName: "N", zip: "75011" });
    await db.pool.query(`UPDATE email_outbox SET status = 'failed', attempts = 1, last_error = 'unknown outbox kind volunteer_confirmation'`);
    const transport = createTransport(smtpUrl, TIMEOUTS);
    await new OutboxWorker(db.pool, transport, { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL }).runOnce();
    transport.close?.();
    expect(sink.accepted.map((d) => d.to)).toEqual(["rollout@example.org"]);
  });
});
