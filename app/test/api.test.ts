import { script, stylesheet } from "../src/assets";
import { createTestDb, type TestDb } from "./db";
import { ADMIN_TOKEN, startApp, volunteer, type Harness, type Res } from "./app-harness";

/** The HTTP contract of issue 7, against the real server (DATABASE_URL) or the embedded one. */

let db: TestDb;
let h: Harness;

beforeAll(async () => {
  db = await createTestDb();
  h = await startApp(db);
});
afterAll(async () => {
  await h?.close();
  await db?.drop();
});

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Res> {
  return h.request("POST", url, { headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

function get(url: string): Promise<Res> {
  return h.request("GET", url);
}

/** An organization validated by the admin, and the bearer token it received by email (from the outbox). */
async function validatedOrganization(): Promise<{ id: string; token: string }> {
  const email = `org${Math.random().toString(36).slice(2)}@asso.example.org`;
  const created = await post("/api/organizations", { name: "Restos du Cœur <Paris>", email, zip: "75011" });
  expect(created.statusCode).toBe(201);
  const { id, status } = created.json();
  expect(status).toBe("pending");
  const v = await post(`/api/admin/organizations/${id}/validate`, {}, { authorization: `Bearer ${ADMIN_TOKEN}` });
  expect(v.statusCode).toBe(200);
  const row = await db.pool.query(`SELECT payload->>'token' AS token FROM email_outbox WHERE organization_id = $1`, [id]);
  return { id, token: row.rows[0].token };
}

async function mission(places: number, over: Record<string, unknown> = {}): Promise<string> {
  const org = await validatedOrganization();
  const r = await post(
    `/api/organizations/${org.id}/missions`,
    { title: "Distribution alimentaire", description: "Aider à la distribution.", zip: "75011", city: "Paris", places, ...over },
    { authorization: `Bearer ${org.token}` },
  );
  expect(r.statusCode).toBe(201);
  return r.json().id;
}

describe("volunteer signup", () => {
  test("201 pending, one volunteer row and one outbox row in the same transaction", async () => {
    const body = volunteer({ phone: "+33 6 12 34 56 78", birthdate: "1990-02-28" });
    const r = await post("/api/volunteers", body);
    expect(r.statusCode).toBe(201);
    expect(r.headers["cache-control"]).toBe("no-store");
    const { id, status } = r.json();
    expect(status).toBe("pending");
    const rows = await db.pool.query(
      `SELECT v.email, o.kind, o.recipient, o.status FROM volunteers v JOIN email_outbox o ON o.volunteer_id = v.id WHERE v.id = $1`,
      [id],
    );
    expect(rows.rows).toEqual([{ email: body.email, kind: "volunteer_welcome", recipient: body.email, status: "pending" }]);
  });

  test("the same email in another case is 409 email_taken and creates nothing", async () => {
    const body = volunteer();
    expect((await post("/api/volunteers", body)).statusCode).toBe(201);
    const dup = await post("/api/volunteers", { ...body, email: String(body.email).toUpperCase(), firstName: "Other" });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual({ error: "email_taken" });
    const n = await db.pool.query(`SELECT count(*)::int AS n FROM volunteers WHERE lower(email) = lower($1)`, [body.email]);
    const o = await db.pool.query(`SELECT count(*)::int AS n FROM email_outbox WHERE lower(recipient) = lower($1)`, [body.email]);
    expect([n.rows[0].n, o.rows[0].n]).toEqual([1, 1]);
  });

  test("concurrent duplicate signups: exactly one 201, the others 409", async () => {
    for (let round = 0; round < 3; round++) {
      const body = volunteer();
      const variants = [body.email, String(body.email).toUpperCase(), body.email, String(body.email).replace(/^v/, "V")];
      const rs = await Promise.all(variants.map((email) => post("/api/volunteers", { ...body, email })));
      const codes = rs.map((r) => r.statusCode).sort();
      expect(codes).toEqual([201, 409, 409, 409]);
      const o = await db.pool.query(`SELECT count(*)::int AS n FROM email_outbox WHERE lower(recipient) = lower($1)`, [body.email]);
      expect(o.rows[0].n).toBe(1);
    }
  });

  test.each([
    ["missing fields", {}, ["email", "firstName", "lastName", "zip"]],
    ["wrong types", { email: 1, firstName: ["a"], lastName: { a: 1 }, zip: 75011 }, ["email", "firstName", "lastName", "zip"]],
    ["bad email", volunteer({ email: "not-an-email" }), ["email"]],
    ["email with spaces", volunteer({ email: "a b@example.org" }), ["email"]],
    ["email too long", volunteer({ email: `${"a".repeat(250)}@example.org` }), ["email"]],
    ["blank names", volunteer({ firstName: "   ", lastName: "" }), ["firstName", "lastName"]],
    ["control characters", volunteer({ firstName: "Ann\u0000", lastName: "X\u001b[31m" }), ["firstName", "lastName"]],
    ["zip not five digits", volunteer({ zip: "7501" }), ["zip"]],
    ["zip 00000", volunteer({ zip: "00000" }), ["zip"]],
    ["unknown field", volunteer({ isAdmin: true }), ["isAdmin"]],
    ["impossible birthdate", volunteer({ birthdate: "2001-02-30" }), ["birthdate"]],
    ["future birthdate", volunteer({ birthdate: "2999-01-01" }), ["birthdate"]],
    ["bad phone", volunteer({ phone: "call me" }), ["phone"]],
    ["null", null, ["body"]],
    ["array", [1, 2], ["body"]],
    ["string", "hello", ["body"]],
  ])("400 validation_failed naming each bad field: %s", async (_name, body, fields) => {
    const r = await post("/api/volunteers", body);
    expect(r.statusCode).toBe(400);
    const json = r.json();
    expect(json.error).toBe("validation_failed");
    expect(Object.keys(json.fields).sort()).toEqual([...fields].sort());
    expect(r.body).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
  });

  test("malformed JSON, empty body, prototype poisoning: 400, never 500", async () => {
    for (const payload of ['{"email":', "", '{"__proto__":{"x":1},"email":"a@b.fr"}', '{"constructor":{"prototype":{"x":1}}}']) {
      const r = await h.request("POST", "/api/volunteers", { headers: { "content-type": "application/json" }, body: payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toBe("validation_failed");
    }
  });

  test("413 for a body over the limit", async () => {
    const r = await post("/api/volunteers", volunteer({ firstName: "x".repeat(h.config.bodyLimitBytes) }));
    expect(r.statusCode).toBe(413);
    expect(r.json().error).toBe("payload_too_large");
  });

  test("415 for a wrong content type", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const r = await h.request("POST", "/api/volunteers", { headers: { "content-type": type }, body: "email=a@b.fr" });
      expect(r.statusCode).toBe(415);
      expect(r.json().error).toBe("unsupported_media_type");
    }
  });
});

describe("organizations, missions, applications", () => {
  test("admin validation needs the admin token", async () => {
    const created = await post("/api/organizations", { name: "Asso", email: `a${Date.now()}@asso.example.org`, zip: "69001" });
    const id = created.json().id;
    for (const auth of [undefined, "Bearer wrong-token-wrong-token-wrong", `Basic ${ADMIN_TOKEN}`]) {
      const r = await post(`/api/admin/organizations/${id}/validate`, {}, auth ? { authorization: auth } : {});
      expect(r.statusCode).toBe(401);
    }
    expect((await post(`/api/admin/organizations/${id}/validate`, {}, { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode).toBe(200);
    expect((await post(`/api/admin/organizations/${id}/validate`, {}, { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode).toBe(409);
  });

  test("posting a mission needs the organization's own token", async () => {
    const a = await validatedOrganization();
    const b = await validatedOrganization();
    const body = { title: "T", description: "D", zip: "13001", places: 3 };
    expect((await post(`/api/organizations/${a.id}/missions`, body, { authorization: `Bearer ${b.token}` })).statusCode).toBe(401);
    expect((await post(`/api/organizations/${a.id}/missions`, body)).statusCode).toBe(401);
    const ok = await post(`/api/organizations/${a.id}/missions`, body, { authorization: `Bearer ${a.token}` });
    expect(ok.statusCode).toBe(201);
    const m = await get(`/api/missions/${ok.json().id}`);
    expect(m.json()).toMatchObject({ department: "13", places: 3, placesLeft: 3 });
  });

  test("a full mission answers 409 mission_full; a second application 409", async () => {
    const id = await mission(1);
    const [a, b] = [volunteer(), volunteer()];
    await post("/api/volunteers", a);
    await post("/api/volunteers", b);
    const first = await post(`/api/missions/${id}/applications`, { email: String(a.email).toUpperCase() });
    expect(first.statusCode).toBe(201);
    expect(first.json().placesLeft).toBe(0);
    const again = await post(`/api/missions/${id}/applications`, { email: a.email });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: "already_applied" });
    const full = await post(`/api/missions/${id}/applications`, { email: b.email });
    expect(full.statusCode).toBe(409);
    expect(full.json()).toEqual({ error: "mission_full" });
    expect((await post(`/api/missions/999999/applications`, { email: b.email })).statusCode).toBe(404);
    expect((await post(`/api/missions/${id}/applications`, { email: "nobody@example.org" })).json()).toEqual({ error: "volunteer_not_found" });
  });

  test("places are never oversold under concurrency", async () => {
    const places = 5;
    const id = await mission(places);
    const vols = Array.from({ length: 30 }, () => volunteer());
    for (const v of vols) expect((await post("/api/volunteers", v)).statusCode).toBe(201);
    // every volunteer applies twice at once: duplicates and competitors race on the same row
    const rs = await Promise.all([...vols, ...vols].map((v) => post(`/api/missions/${id}/applications`, { email: v.email })));
    const created = rs.filter((r) => r.statusCode === 201).length;
    const conflicts = rs.filter((r) => r.statusCode === 409).length;
    expect(created).toBe(places);
    expect(conflicts).toBe(rs.length - places);
    const m = await db.pool.query(`SELECT places_taken, (SELECT count(*)::int FROM applications WHERE mission_id = $1) AS apps FROM missions WHERE id = $1`, [id]);
    expect(m.rows[0]).toEqual({ places_taken: places, apps: places });
  });
});

describe("public pages and caching", () => {
  test("GET pages and APIs: explicit Cache-Control with s-maxage, never Set-Cookie", async () => {
    const id = await mission(4);
    for (const url of ["/", "/missions", "/missions?department=75", "/missions?zip=75011", `/missions/${id}`, "/api/missions", `/api/missions/${id}`, "/signup", "/signup/confirmation"]) {
      const r = await get(url);
      expect([url, r.statusCode]).toEqual([url, 200]);
      expect(r.headers["cache-control"]).toMatch(/^public, .*s-maxage=\d+/);
      expect(r.headers["set-cookie"]).toBeUndefined();
    }
  });

  test("unknown mission: 404 (HTML and JSON)", async () => {
    for (const url of ["/missions/987654321", "/missions/abc", "/api/missions/987654321", "/api/missions/-1", "/api/missions/99999999999999999999"]) {
      const r = await get(url);
      expect([url, r.statusCode]).toEqual([url, 404]);
    }
  });

  test("hashed assets are immutable, their names follow their content", async () => {
    for (const a of [stylesheet, script]) {
      expect(a.name).toMatch(/^app\.[0-9a-f]{10}\.(css|js)$/);
      const r = await get(`/assets/${a.name}`);
      expect(r.statusCode).toBe(200);
      expect(r.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(r.body).toBe(a.body.toString("utf8"));
    }
    expect((await get("/assets/app.0000000000.css")).statusCode).toBe(404);
    expect((await get("/")).body).toContain(`/assets/${stylesheet.name}`);
  });

  test("HTML carries the security headers and no server banner", async () => {
    const r = await get("/signup");
    expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(r.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(r.headers["content-security-policy"]).not.toContain("unsafe-inline");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(r.headers["server"]).toBeUndefined();
    expect(r.headers["x-powered-by"]).toBeUndefined();
    expect(r.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
  });

  test("user data is escaped in every page", async () => {
    const evil = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`;
    const id = await mission(2, { title: evil, description: evil, city: evil });
    for (const url of [`/missions/${id}`, "/missions", "/missions?zip=75011"]) {
      const body = (await get(url)).body;
      expect(body).not.toContain("<script>alert");
      expect(body).not.toContain("<img src=x");
      expect(body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
    expect((await get(`/missions/${id}`)).body).toContain("Restos du Cœur &lt;Paris&gt;");
  });

  test("health and readiness", async () => {
    expect((await get("/healthz")).statusCode).toBe(200);
    const ready = await get("/readyz");
    expect(ready.statusCode).toBe(200);
    expect(ready.headers["cache-control"]).toBe("no-store");
  });
});
