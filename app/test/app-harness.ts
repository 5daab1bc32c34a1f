import { Writable } from "node:stream";
import type { Pool } from "pg";
import { buildApp, type RenfortApp } from "../src/app";
import { loadConfig, type AppConfig } from "../src/config";
import { createPool } from "../src/db";
import { migrationNames } from "../src/migrate";
import type { TestDb } from "./db";

/** The `error` code of a JSON error answer, or undefined for any other body. */
export function errorCodeOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: string }).error;
  } catch {
    return undefined;
  }
}

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123456789";

/** A silent log sink that keeps the lines, so tests can assert on what gets logged. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter((l) => l !== ""));
    cb();
  }
}

export interface Res {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test responses
}

export interface Harness {
  app: RenfortApp;
  config: AppConfig;
  logs: LogCapture;
  baseUrl: string;
  /** a real HTTP request to the listening app */
  request(method: string, path: string, opts?: { body?: string | Buffer; headers?: Record<string, string> }): Promise<Res>;
  close(): Promise<void>;
}

export async function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Res> {
  const res = await fetch(baseUrl + path, { method, headers: opts.headers ?? {}, ...(opts.body !== undefined ? { body: opts.body } : {}) });
  const body = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  const cookies = res.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies.join("\n");
  return { statusCode: res.status, headers, body, json: () => JSON.parse(body) };
}

/** The app over the test database, configured from env-style overrides. */
export async function startApp(db: TestDb, env: Record<string, string> = {}): Promise<Harness> {
  const config = loadConfig({
    DATABASE_URL: db.url,
    ADMIN_TOKEN,
    LOG_LEVEL: "info",
    RATE_LIMIT_SIGNUP_PER_MINUTE: "100000",
    RATE_LIMIT_WRITE_PER_MINUTE: "100000",
    RATE_LIMIT_READ_PER_MINUTE: "100000",
    // The event-loop check off: this app shares the test process on a loaded machine, where it would shed
    // requests that have nothing to do with overload. overload.test.ts exercises it on the bundle.
    MAX_EVENT_LOOP_DELAY_MS: "0",
    // the readiness probe every 200 ms (2 s in production): tests see /readyz follow the database quickly
    READINESS_PROBE_MS: "200",
    ...env,
  });
  const pool = createPool(config, db.url);
  const logs = new LogCapture();
  const app = await buildApp({ config, pool, migrations: migrationNames(), logStream: logs, namedStatements: db.mode === "server" });
  const baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    app,
    config,
    logs,
    baseUrl,
    request: (method, path, opts) => httpRequest(baseUrl, method, path, opts),
    async close() {
      await app.close();
      await pool.end();
    },
  };
}

let counter = 0;
/** A fresh valid signup body. */
export function volunteer(over: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    email: `v${Date.now().toString(36)}${counter}@example.org`,
    firstName: "Camille",
    lastName: "Martin",
    zip: "75011",
    ...over,
  };
}

/** The token of the newest confirmation mail queued for `email` (read from the outbox, as the mail would carry it). */
export async function confirmationToken(pool: Pool, email: string): Promise<string | undefined> {
  const r = await pool.query<{ token: string }>(
    `SELECT payload->>'token' AS token FROM email_outbox WHERE lower(recipient) = lower($1) AND kind = 'volunteer_confirmation' ORDER BY id DESC LIMIT 1`,
    [email],
  );
  return r.rows[0]?.token;
}

/** Signs `body` up through the API and follows its confirmation link (POST, as the page's button does): an active volunteer. */
export async function activeVolunteer(h: Harness, pool: Pool, body: Record<string, unknown> = volunteer()): Promise<Record<string, unknown>> {
  const json = { "content-type": "application/json" };
  const r = await h.request("POST", "/api/volunteers", { headers: json, body: JSON.stringify(body) });
  if (r.statusCode !== 202) throw new Error(`signup answered ${r.statusCode}: ${r.body}`);
  const token = await confirmationToken(pool, String(body.email));
  if (!token) throw new Error(`no confirmation mail for ${String(body.email)}`);
  const a = await h.request("POST", "/signup/activation", { headers: json, body: JSON.stringify({ jeton: token }) });
  if (a.statusCode !== 200) throw new Error(`activation answered ${a.statusCode}: ${a.body}`);
  return body;
}
