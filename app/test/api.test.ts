import { createHash } from "node:crypto";
import { script, stylesheet } from "../src/assets";
import { createTestDb, type TestDb } from "./db";
import { TOKEN_TTL_HOURS } from "../src/confirmation";
import { ADMIN_TOKEN, activeVolunteer, confirmationToken, startApp, volunteer, type Harness, type Res } from "./app-harness";

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
  test("202 pending_confirmation: one pending volunteer, one confirmation (hashed token) and one mail, in the same transaction", async () => {
    const body = volunteer({ phone: "+33 6 12 34 56 78", birthdate: "1990-02-28" });
    const r = await post("/api/volunteers", body);
    expect(r.statusCode).toBe(202);
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.json()).toEqual({ status: "pending_confirmation" });
    const rows = await db.pool.query(
      `SELECT v.email, v.activated_at, o.kind, o.recipient, o.status FROM volunteers v JOIN email_outbox o ON o.volunteer_id = v.id WHERE lower(v.email) = lower($1)`,
      [body.email],
    );
    expect(rows.rows).toEqual([{ email: body.email, activated_at: null, kind: "volunteer_confirmation", recipient: body.email, status: "pending" }]);
    const token = await confirmationToken(db.pool, String(body.email));
    const c = await db.pool.query(
      `SELECT encode(c.token_hash, 'hex') AS hash, round(extract(epoch FROM c.expires_at - c.created_at) / 3600) AS hours, c.used_at FROM volunteer_confirmations c JOIN volunteers v ON v.id = c.volunteer_id WHERE v.email = $1`,
      [body.email],
    );
    expect(c.rows).toEqual([{ hash: createHash("sha256").update(token!).digest("hex"), hours: String(TOKEN_TTL_HOURS), used_at: null }]);
  });

  test("a new, a pending and an active address get byte-identical answers; only the mail differs", async () => {
    const fresh = volunteer();
    const pending = volunteer();
    const active = volunteer();
    expect((await post("/api/volunteers", pending)).statusCode).toBe(202);
    await activeVolunteer(h, db.pool, active);
    const answers = [
      await post("/api/volunteers", fresh),
      await post("/api/volunteers", { ...pending, firstName: "Other" }),
      await post("/api/volunteers", { ...active, email: String(active.email).toUpperCase(), firstName: "Other" }),
    ];
    for (const a of answers) {
      expect([a.statusCode, a.body, a.headers["content-type"], a.headers["cache-control"]]).toEqual([202, answers[0]!.body, answers[0]!.headers["content-type"], "no-store"]);
    }
    const mails = async (email: unknown) =>
      (await db.pool.query(`SELECT kind, payload ? 'token' AS has_token FROM email_outbox WHERE lower(recipient) = lower($1) ORDER BY id`, [email])).rows;
    expect(await mails(fresh.email)).toEqual([{ kind: "volunteer_confirmation", has_token: true }]);
    // a pending address gets a new link; an active one a mail saying it has an account, without any link
    expect(await mails(pending.email)).toEqual([
      { kind: "volunteer_confirmation", has_token: true },
      { kind: "volunteer_confirmation", has_token: true },
    ]);
    expect((await mails(active.email)).slice(1)).toEqual([{ kind: "volunteer_account_exists", has_token: false }]);
    const n = await db.pool.query(`SELECT count(*)::int AS n FROM volunteers WHERE lower(email) = ANY($1)`, [[fresh, pending, active].map((v) => String(v.email).toLowerCase())]);
    expect(n.rows[0].n).toBe(3);
  });

  test("concurrent duplicate signups: all 202, one volunteer, one confirmation mail each", async () => {
    for (let round = 0; round < 3; round++) {
      const body = volunteer();
      const variants = [body.email, String(body.email).toUpperCase(), body.email, String(body.email).replace(/^v/, "V")];
      const rs = await Promise.all(variants.map((email) => post("/api/volunteers", { ...body, email })));
      expect(rs.map((r) => r.statusCode)).toEqual([202, 202, 202, 202]);
      const v = await db.pool.query(`SELECT count(*)::int AS n FROM volunteers WHERE lower(email) = lower($1)`, [body.email]);
      const o = await db.pool.query(`SELECT count(*)::int AS n FROM email_outbox WHERE lower(recipient) = lower($1)`, [body.email]);
      expect([v.rows[0].n, o.rows[0].n]).toEqual([1, 4]);
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

describe("activation (double opt-in)", () => {
  const activate = (jeton: unknown) => post("/signup/activation", { jeton });

  test("GET shows a button and activates nothing; POST activates once; the link is single use", async () => {
    const body = volunteer();
    await post("/api/volunteers", body);
    const token = (await confirmationToken(db.pool, String(body.email)))!;
    const page = await get(`/signup/activation?jeton=${token}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form id="activation-form" method="post" action="/signup/activation">');
    expect(page.body).toContain(`value="${token}"`);
    const state = async () => (await db.pool.query(`SELECT activated_at IS NOT NULL AS active FROM volunteers WHERE email = $1`, [body.email])).rows[0].active;
    expect(await state()).toBe(false);
    const ok = await activate(token);
    expect([ok.statusCode, ok.json()]).toEqual([200, { status: "active" }]);
    expect(await state()).toBe(true);
    const again = await activate(token);
    expect([again.statusCode, again.json().error]).toEqual([409, "token_used"]);
  });

  test("unknown 404, malformed 400, expired 410", async () => {
    expect([(await activate("A".repeat(43))).statusCode, (await activate("A".repeat(43))).json().error]).toEqual([404, "unknown_token"]);
    for (const bad of ["short", "A".repeat(44), "A".repeat(42) + "!", 42, null]) {
      const r = await activate(bad);
      expect([r.statusCode, r.json().error]).toEqual([400, "malformed_token"]);
    }
    expect((await get("/signup/activation?jeton=short")).statusCode).toBe(400);
    const body = volunteer();
    await post("/api/volunteers", body);
    const token = (await confirmationToken(db.pool, String(body.email)))!;
    await db.pool.query(`UPDATE volunteer_confirmations SET expires_at = now() - interval '1 second' WHERE token_hash = sha256($1::bytea)`, [Buffer.from(token)]);
    const r = await activate(token);
    expect([r.statusCode, r.json().error]).toEqual([410, "token_expired"]);
    expect((await db.pool.query(`SELECT activated_at FROM volunteers WHERE email = $1`, [body.email])).rows[0].activated_at).toBeNull();
  });

  test("a pending volunteer cannot apply: answered exactly as an unknown address", async () => {
    const id = await mission(3);
    const body = volunteer();
    await post("/api/volunteers", body);
    const pending = await post(`/api/missions/${id}/applications`, { email: body.email });
    const unknown = await post(`/api/missions/${id}/applications`, { email: "nobody@example.org" });
    expect([pending.statusCode, pending.body]).toEqual([404, unknown.body]);
    expect(unknown.json()).toEqual({ error: "volunteer_not_found" });
    await activate((await confirmationToken(db.pool, String(body.email)))!);
    expect((await post(`/api/missions/${id}/applications`, { email: body.email })).statusCode).toBe(201);
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
    const [a, b] = [await activeVolunteer(h, db.pool), await activeVolunteer(h, db.pool)];
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
    for (const v of vols) await activeVolunteer(h, db.pool, v);
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
