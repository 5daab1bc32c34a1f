import { EventEmitter } from "node:events";
import { connect } from "node:net";
import { migrationNames } from "../src/migrate";
import { createTestDb, type TestDb } from "./db";
import { httpRequest } from "./app-harness";
import { SmtpSink } from "./smtp-sink";
import { runBundle, until, type Proc } from "./spawn";

/** The built bundle as a process: config errors, migrate, SIGHUP (re-reads the switch), graceful SIGTERM, in-process worker. */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb({ migrate: false });
});
afterAll(async () => {
  await db?.drop();
});

/** True once nothing accepts connections on the port any more (the server closed its listener). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

async function listening(p: Proc): Promise<string> {
  const line = await p.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/);
  return /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
}

test("a bad environment fails at start with the variable named, exit code 2", async () => {
  const p = runBundle([], { DATABASE_URL: "mysql://x", PORT: "eighty", TRUSTED_PROXIES: "10.0.0.0/99" });
  expect(await p.exited).toBe(2);
  expect(p.stderr).toMatch(/PORT must be an integer/);
  expect(p.stderr).toMatch(/DATABASE_URL must be a postgres:\/\/ URL/);
  expect(p.stderr).toMatch(/TRUSTED_PROXIES has "10.0.0.0\/99"/);
  expect(p.stderr).not.toMatch(/\n\s+at /); // no stack trace
});

test("migrate, serve, SIGHUP re-reads the degraded-mode switch, SIGTERM drains in-flight requests", async () => {
  const m = runBundle(["migrate"], { DATABASE_URL: db.url });
  expect(await m.exited).toBe(0);
  expect(m.stdout.join("\n")).toMatch(new RegExp(`applied ${migrationNames().length} migration`));

  // A re-read period far beyond the test: only SIGHUP makes this process see a row written without NOTIFY.
  const p = runBundle([], { DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", MAX_EVENT_LOOP_DELAY_MS: "0", DEGRADED_MODE_POLL_MS: "60000", LOG_LEVEL: "info" });
  const setRow = (enabled: boolean) =>
    db.pool.query(
      `INSERT INTO degraded_mode (id, enabled, reason, changed_at, changed_by) VALUES (true, $1, 'by hand', clock_timestamp(), 'test')
       ON CONFLICT (id) DO UPDATE SET enabled = EXCLUDED.enabled, changed_at = EXCLUDED.changed_at`,
      [enabled],
    );
  try {
    const base = await listening(p);
    expect((await httpRequest(base, "GET", "/readyz")).statusCode).toBe(200);
    expect((await httpRequest(base, "GET", "/api/missions")).statusCode).toBe(200);

    await setRow(true);
    p.child.kill("SIGHUP");
    await until(async () => (await httpRequest(base, "GET", "/api/missions")).statusCode === 503, 3000);
    expect((await httpRequest(base, "GET", "/signup")).statusCode).toBe(200);
    await setRow(false);
    p.child.kill("SIGHUP");
    await until(async () => (await httpRequest(base, "GET", "/api/missions")).statusCode === 200, 3000);

    // An in-flight signup whose body is still arriving when SIGTERM lands completes with 202. Each step
    // waits for its event, not for time: the server has parsed the headers (it answers the
    // `Expect: 100-continue` with 100 Continue), then it has stopped accepting connections (drain begun),
    // and only then does the body arrive.
    const port = Number(new URL(base).port);
    const body = JSON.stringify({ email: "drain@example.org", firstName: "A", lastName: "B", zip: "75011" });
    const sock = connect(port, "127.0.0.1");
    let response = "";
    const received = new EventEmitter();
    sock.on("data", (d) => {
      response += d.toString("utf8");
      received.emit("data");
    });
    const closed = new Promise<void>((resolve) => sock.on("close", () => resolve()));
    await new Promise<void>((resolve) => sock.once("connect", () => resolve()));
    sock.write(`POST /api/volunteers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    await new Promise<void>((resolve) => {
      const seen = () => (/^HTTP\/1\.1 100 Continue\r\n\r\n/.test(response) ? (received.off("data", seen), resolve()) : undefined);
      received.on("data", seen);
    });
    p.child.kill("SIGTERM");
    await until(() => refused(port), 30_000);
    sock.write(body);
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 202 /);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(await p.exited).toBe(0);
    const stored = await db.pool.query("SELECT 1 FROM volunteers WHERE email = 'drain@example.org'");
    expect(stored.rowCount).toBe(1);
  } finally {
    if (p.child.exitCode === null) p.child.kill("SIGKILL");
  }
});

test("healthcheck command, in-process outbox worker", async () => {
  const sink = new SmtpSink();
  const smtpUrl = await sink.start();
  const p = runBundle([], { DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", MAX_EVENT_LOOP_DELAY_MS: "0", OUTBOX_WORKER: "on", SMTP_URL: smtpUrl, MAIL_FROM: "R <r@renfort.test>", PUBLIC_URL: "https://renfort.test" });
  try {
    const base = await listening(p);
    const hc = runBundle(["healthcheck"], { PORT: new URL(base).port });
    expect(await hc.exited).toBe(0);
    const r = await httpRequest(base, "POST", "/api/volunteers", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "inproc@example.org", firstName: "Inès", lastName: "B", zip: "97400" }),
    });
    expect(r.statusCode).toBe(202);
    await until(async () => sink.accepted.some((d) => d.to === "inproc@example.org"));
    expect(sink.accepted.find((d) => d.to === "inproc@example.org")!.raw).toMatch(/Bonjour In/);
  } finally {
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    await sink.stop();
  }
  const dead = runBundle(["healthcheck"], { PORT: "1" });
  expect(await dead.exited).toBe(1);
});
