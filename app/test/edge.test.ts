import { stylesheet } from "../src/assets";
import { createTestDb, type TestDb } from "./db";
import { startApp, volunteer, type Harness } from "./app-harness";

/** Client IP behind proxies, per-client rate limits, degraded mode. */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.drop();
});

const json = { "content-type": "application/json" };

function signup(h: Harness, headers: Record<string, string> = {}) {
  return h.request("POST", "/api/volunteers", { headers: { ...json, ...headers }, body: JSON.stringify(volunteer()) });
}

function loggedIps(h: Harness): string[] {
  return h.logs.lines
    .map((l) => JSON.parse(l) as { msg?: string; ip?: string })
    .filter((l) => l.msg === "request")
    .map((l) => l.ip!);
}

describe("forwarding headers from an untrusted peer", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startApp(db, { TRUSTED_PROXIES: "10.0.0.0/8, 2001:db8::/32", RATE_LIMIT_SIGNUP_PER_MINUTE: "3", RATE_LIMIT_READ_PER_MINUTE: "2" });
  });
  afterAll(() => h.close());

  test("cannot change the client IP nor escape the rate limit", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await signup(h, { "cf-connecting-ip": `203.0.113.${i}`, "x-forwarded-for": `198.51.100.${i}, 10.0.0.1` });
      codes.push(r.statusCode);
      if (r.statusCode === 429) {
        expect(r.json()).toEqual({ error: "rate_limited" });
        expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
        expect(r.headers["cache-control"]).toBe("no-store");
      }
    }
    expect(codes).toEqual([202, 202, 202, 429, 429]);
    expect(new Set(loggedIps(h))).toEqual(new Set(["127.0.0.1"]));
  });

  test("reads have their own, larger budget and health checks none", async () => {
    expect((await h.request("GET", "/api/missions")).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await h.request("GET", "/healthz")).statusCode).toBe(200);
    expect((await h.request("GET", "/api/missions")).statusCode).toBe(200);
    expect((await h.request("GET", "/api/missions", { headers: { "cf-connecting-ip": "203.0.113.99" } })).statusCode).toBe(429);
  });
});

describe("forwarding headers from a trusted proxy", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startApp(db, { TRUSTED_PROXIES: "127.0.0.1/32", RATE_LIMIT_SIGNUP_PER_MINUTE: "2" });
  });
  afterAll(() => h.close());

  test("CF-Connecting-IP is the client: each visitor has its own budget", async () => {
    const a = [];
    for (let i = 0; i < 3; i++) a.push((await signup(h, { "cf-connecting-ip": "203.0.113.10" })).statusCode);
    expect(a).toEqual([202, 202, 429]);
    // another visitor behind the same proxy is not throttled by the first one
    expect((await signup(h, { "cf-connecting-ip": "203.0.113.11" })).statusCode).toBe(202);
    expect((await signup(h, { "cf-connecting-ip": "2001:db8::7" })).statusCode).toBe(202);
  });

  test("an IPv6 client is keyed by its /64: rotating addresses inside it shares one budget", async () => {
    const codes = [];
    for (const ip of ["2001:db8:aa:bb::1", "2001:db8:aa:bb:ffff:ffff:ffff:fffe", "2001:DB8:AA:BB:0:0:0:42"]) codes.push((await signup(h, { "cf-connecting-ip": ip })).statusCode);
    expect(codes).toEqual([202, 202, 429]);
    // the next /64 is another subscriber
    expect((await signup(h, { "cf-connecting-ip": "2001:db8:aa:bc::1" })).statusCode).toBe(202);
  });

  test("X-Forwarded-For is read from the right when there is no CF-Connecting-IP", async () => {
    h.logs.lines.length = 0;
    await signup(h, { "x-forwarded-for": "1.1.1.1, 198.51.100.20" });
    await signup(h, { "x-forwarded-for": "garbage" });
    await signup(h, { "cf-connecting-ip": "not-an-ip", "x-forwarded-for": "198.51.100.21" });
    expect(loggedIps(h)).toEqual(["198.51.100.20", "127.0.0.1", "198.51.100.21"]);
  });
});

describe("degraded mode", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startApp(db, { DEGRADED_MODE: "on" });
  });
  afterAll(() => h.close());

  test("keeps volunteer signup, its pages and health; 503 with Retry-After elsewhere", async () => {
    expect(h.app.renfort.degraded).toBe(true);
    expect((await signup(h)).statusCode).toBe(202);
    for (const url of ["/signup", "/signup/confirmation", "/healthz", "/readyz", `/assets/${stylesheet.name}`]) {
      expect([url, (await h.request("GET", url)).statusCode]).toEqual([url, 200]);
    }
    for (const [method, url] of [["GET", "/"], ["GET", "/missions"], ["GET", "/missions/1"], ["GET", "/api/missions"], ["GET", "/api/missions/1"]] as const) {
      const r = await h.request(method, url);
      expect([url, r.statusCode]).toEqual([url, 503]);
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      expect(r.headers["cache-control"]).toBe("no-store");
    }
    const org = await h.request("POST", "/api/organizations", { headers: json, body: JSON.stringify({ name: "A", email: "deg@example.org", zip: "75011" }) });
    expect(org.statusCode).toBe(503);
    expect(org.json()).toEqual({ error: "degraded_mode" });
    const apply = await h.request("POST", "/api/missions/1/applications", { headers: json, body: JSON.stringify({ email: "x@example.org" }) });
    expect(apply.statusCode).toBe(503);
  });

  test("switches at runtime without a restart", async () => {
    h.app.renfort.degraded = false;
    expect((await h.request("GET", "/api/missions")).statusCode).toBe(200);
    h.app.renfort.degraded = true;
    expect((await h.request("GET", "/api/missions")).statusCode).toBe(503);
  });
});
