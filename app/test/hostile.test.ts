import { connect } from "node:net";
import fc from "fast-check";
import { createTestDb, serverOnlyTest, type TestDb } from "./db";
import { ADMIN_TOKEN, startApp, volunteer, type Harness, type Res } from "./app-harness";

/** Hostile input, pool exhaustion and killed connections: answers stay 4xx/503, never 5xx otherwise. */

let db: TestDb;
let h: Harness;
let missionId: string;
let orgId: string;
let orgToken: string;

const json = { "content-type": "application/json" };
const post = (path: string, body: string | Buffer, headers: Record<string, string> = json): Promise<Res> => h.request("POST", path, { headers, body });

beforeAll(async () => {
  db = await createTestDb();
  h = await startApp(db, { REQUEST_TIMEOUT_MS: "1000" });
  const org = await post("/api/organizations", JSON.stringify({ name: "Asso", email: "hostile-org@example.org", zip: "75011" }));
  orgId = org.json().id;
  await post(`/api/admin/organizations/${orgId}/validate`, "{}", { ...json, authorization: `Bearer ${ADMIN_TOKEN}` });
  orgToken = (await db.pool.query(`SELECT payload->>'token' AS t FROM email_outbox WHERE organization_id = $1`, [orgId])).rows[0].t;
  const m = await post(`/api/organizations/${orgId}/missions`, JSON.stringify({ title: "T", description: "D", zip: "75011", places: 1000 }), {
    ...json,
    authorization: `Bearer ${orgToken}`,
  });
  missionId = m.json().id;
});
afterAll(async () => {
  await h?.close();
  await db?.drop();
});

const nasty = fc.oneof(
  fc.constantFrom(
    "' OR 1=1 --",
    "'; DROP TABLE volunteers; --",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "\udfff\ud800",
    "\u202e\u0007\u001b[31m",
    "x".repeat(20000),
    "${jndi:ldap://x/a}",
    "__proto__",
    "75011\n",
    "é".repeat(300),
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ maxLength: 300 }),
);
const value = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(nasty, { maxLength: 3 }), fc.dictionary(nasty, nasty, { maxKeys: 3 }));
const keys = ["email", "firstName", "lastName", "zip", "phone", "birthdate", "name", "title", "description", "city", "places", "__proto__", "constructor", "extra"];
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 8 }),
  fc.record({ email: fc.oneof(nasty, fc.emailAddress()), firstName: nasty, lastName: nasty, zip: fc.oneof(nasty, fc.constant("75011")) }, { requiredKeys: [] }),
  fc.anything({ maxDepth: 4 }),
);

function endpoints(): Array<[string, Record<string, string>]> {
  return [
    ["/api/volunteers", json],
    ["/api/organizations", json],
    [`/api/missions/${missionId}/applications`, json],
    [`/api/organizations/${orgId}/missions`, { ...json, authorization: `Bearer ${orgToken}` }],
    [`/api/admin/organizations/${orgId}/validate`, { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }],
  ];
}

function expectNoServerError(r: Res): void {
  expect(r.statusCode).toBeLessThan(500);
  expect(r.headers["content-type"]).toMatch(/application\/json/);
  expect(r.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

test("property: random and hostile JSON bodies never get a 5xx, on every write endpoint", async () => {
  for (const [path, headers] of endpoints()) {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const text = JSON.stringify(b) ?? "null";
        const r = await post(path, text, headers);
        expectNoServerError(r);
        expect([200, 201, 202, 400, 404, 409, 413]).toContain(r.statusCode);
      }),
      { numRuns: 40 },
    );
  }
});

test("invalid UTF-8, JSON bombs, duplicate keys, odd content types", async () => {
  const raw: Array<[string | Buffer, Record<string, string>]> = [
    [Buffer.concat([Buffer.from('{"email":"a'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('@example.org","firstName":"A","lastName":"B","zip":"75011"}')]), json],
    ["[".repeat(7000) + "]".repeat(7000), json],
    ['{"a":'.repeat(3000) + "1" + "}".repeat(3000), json],
    ['{"email":"a@b.fr","email":"c@d.fr"}', json],
    ["{}", { "content-type": "application/json; charset=utf-16" }],
    ["{}", { "content-type": "application/jsonp" }],
    ["{}", { "content-type": "" }],
    ["<xml/>", { "content-type": "application/xml" }],
  ];
  for (const [path] of endpoints()) {
    for (const [b, headers] of raw) expectNoServerError(await post(path, b, headers));
  }
});

test("a slow body is cut off with 408, the server keeps serving", async () => {
  const port = Number(new URL(h.baseUrl).port);
  const sock = connect(port, "127.0.0.1");
  let response = "";
  sock.on("data", (d) => (response += d.toString("utf8")));
  const closed = new Promise<void>((resolve) => sock.on("close", () => resolve()));
  sock.write("POST /api/volunteers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
  // drip a byte every 200 ms: an idle timeout alone would never fire
  const drip = setInterval(() => sock.write(" "), 200);
  const started = Date.now();
  try {
    await closed;
  } finally {
    clearInterval(drip);
    sock.destroy();
  }
  expect(Date.now() - started).toBeLessThan(5000);
  expect(response).toMatch(/^HTTP\/1\.1 408/);
  expect((await h.request("GET", "/healthz")).statusCode).toBe(200);
});

test("stored hostile strings render escaped on every page", async () => {
  const xss = "<script>alert('x')</script><svg onload=alert(1)>";
  const m = await post(`/api/organizations/${orgId}/missions`, JSON.stringify({ title: xss, description: xss, zip: "75011", city: xss, places: 1 }), {
    ...json,
    authorization: `Bearer ${orgToken}`,
  });
  expect(m.statusCode).toBe(201);
  for (const url of ["/missions", `/missions/${m.json().id}`, "/missions?zip=75011", "/missions?department=75"]) {
    const page = (await h.request("GET", url)).body;
    expect(page).not.toMatch(/<script>alert|<svg onload/);
  }
});

test("an exhausted pool sheds with 503 + Retry-After; every 202 is stored", async () => {
  const tight = await startApp(db, { PG_POOL_SIZE: "1", MAX_POOL_QUEUE: "0" });
  try {
    const bodies = Array.from({ length: 40 }, () => volunteer());
    const rs = await Promise.all(bodies.map((b) => tight.request("POST", "/api/volunteers", { headers: json, body: JSON.stringify(b) })));
    const codes = new Set(rs.map((r) => r.statusCode));
    expect([...codes].every((c) => c === 202 || c === 503)).toBe(true);
    const shed = rs.filter((r) => r.statusCode === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(rs.some((r) => r.statusCode === 202)).toBe(true);
    for (const r of shed) {
      expect(r.json()).toEqual({ error: "overloaded" });
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
    }
    const acked = rs.flatMap((r, i) => (r.statusCode === 202 ? [bodies[i]!.email as string] : []));
    const stored = await db.pool.query("SELECT count(*)::int AS n FROM volunteers WHERE email = ANY($1)", [acked]);
    expect(stored.rows[0].n).toBe(acked.length);
    // and it recovers once the burst is over
    expect((await tight.request("POST", "/api/volunteers", { headers: json, body: JSON.stringify(volunteer()) })).statusCode).toBe(202);
  } finally {
    await tight.close();
  }
});

serverOnlyTest("connections killed under load (pg_terminate_backend): 202 or 503 only, no acknowledged signup lost, recovers", async () => {
  const app = await startApp(db, { PG_POOL_SIZE: "4", PG_POOL_WAIT_MS: "1000" });
  let killing = true;
  let kills = 0;
  const killer = (async () => {
    while (killing) {
      const r = await db.pool.query(
        "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'renfort-app' AND pid <> pg_backend_pid()",
      );
      kills += r.rows[0].n;
      await new Promise((res) => setTimeout(res, 30));
    }
  })();
  const results: Array<{ email: string; status: number }> = [];
  try {
    for (let batch = 0; batch < 25; batch++) {
      const bodies = Array.from({ length: 8 }, () => volunteer());
      const rs = await Promise.all(bodies.map((b) => app.request("POST", "/api/volunteers", { headers: json, body: JSON.stringify(b) })));
      rs.forEach((r, i) => results.push({ email: bodies[i]!.email as string, status: r.statusCode }));
    }
  } finally {
    killing = false;
    await killer;
  }
  expect(kills).toBeGreaterThan(0);
  expect(results.every((r) => r.status === 202 || r.status === 503)).toBe(true);
  const acked = results.filter((r) => r.status === 202).map((r) => r.email);
  expect(acked.length).toBeGreaterThan(0);
  const stored = await db.pool.query("SELECT count(*)::int AS n, count(DISTINCT lower(email))::int AS d FROM volunteers WHERE email = ANY($1)", [acked]);
  expect(stored.rows[0]).toEqual({ n: acked.length, d: acked.length });
  // recovery without a restart
  expect((await app.request("POST", "/api/volunteers", { headers: json, body: JSON.stringify(volunteer()) })).statusCode).toBe(202);
  expect((await app.request("GET", "/readyz")).statusCode).toBe(200);
  await app.close();
});

test("database unreachable: 503 + Retry-After (not 500, not a hang), /readyz 503, /healthz 200", async () => {
  const gone: TestDb = { mode: db.mode, url: "postgres://postgres@127.0.0.1:1/nowhere", pool: db.pool, drop: async () => undefined };
  const app = await startApp(gone, { PG_POOL_WAIT_MS: "500" });
  try {
    const started = Date.now();
    const r = await app.request("POST", "/api/volunteers", { headers: json, body: JSON.stringify(volunteer()) });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ error: "unavailable" });
    expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await app.request("GET", "/api/missions")).statusCode).toBe(503);
    const ready = await app.request("GET", "/readyz");
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ reason: "database_unavailable" });
    expect((await app.request("GET", "/healthz")).statusCode).toBe(200);
  } finally {
    await app.close();
  }
});
