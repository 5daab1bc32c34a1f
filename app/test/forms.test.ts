import { createTestDb, type TestDb } from "./db";
import { confirmationToken, startApp, volunteer, type Harness } from "./app-harness";

/**
 * The pages' forms over HTTP, without a browser (these run even where Chromium is absent): what a
 * browser without JavaScript posts, what the enhancement script posts, and what stays unchanged
 * for the JSON API.
 */

let db: TestDb;
let h: Harness;
const form = { "content-type": "application/x-www-form-urlencoded" };
const json = { "content-type": "application/json" };
const encode = (o: Record<string, unknown>) => new URLSearchParams(o as Record<string, string>).toString();

/** A form post as a browser sends it, the 303 itself rather than the page it leads to. */
async function postForm(path: string, body: string): Promise<{ statusCode: number; location: string | null; cache: string | null; cookie: string | null }> {
  const r = await fetch(h.baseUrl + path, { method: "POST", headers: form, body, redirect: "manual" });
  await r.arrayBuffer();
  return { statusCode: r.status, location: r.headers.get("location"), cache: r.headers.get("cache-control"), cookie: r.headers.get("set-cookie") };
}

beforeAll(async () => {
  db = await createTestDb();
  h = await startApp(db);
});
afterAll(async () => {
  await h?.close();
  await db?.drop();
});

test("a urlencoded signup: 303 to the confirmation, no-store, no cookie, the volunteer stored", async () => {
  const v = volunteer({ phone: "", birthdate: "" });
  expect(await postForm("/signup", encode(v))).toEqual({ statusCode: 303, location: "/signup/confirmation", cache: "no-store", cookie: null });
  const row = await db.pool.query(`SELECT first_name, phone, birthdate FROM volunteers WHERE email = $1`, [v.email]);
  expect(row.rows).toEqual([{ first_name: "Camille", phone: null, birthdate: null }]);
});

test("a wrong urlencoded signup: the form again, 400, every wrong field flagged, values escaped", async () => {
  const evil = `"><script>alert(1)</script>`;
  const r = await h.request("POST", "/signup", { headers: form, body: encode(volunteer({ email: "nope", firstName: evil, zip: "00000", birthdate: "2999-01-01" })) });
  expect(r.statusCode).toBe(400);
  expect(r.headers["content-type"]).toMatch(/^text\/html/);
  expect(r.headers["cache-control"]).toBe("no-store");
  for (const field of ["email", "zip", "birthdate"]) expect(r.body).toContain(`id="${field}-error"`);
  expect(r.body).not.toContain(`id="firstName-error"`);
  expect(r.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  expect(r.body).not.toContain("<script>alert");
  expect(r.body).toContain("<title>Erreur : Inscription");
});

test("an address already registered: the same 303 to the same page; its owner gets a mail saying so", async () => {
  const v = volunteer();
  const first = await postForm("/signup", encode(v));
  await db.pool.query(`UPDATE volunteers SET activated_at = now() WHERE email = $1`, [v.email]);
  const again = await postForm("/signup", encode({ ...v, firstName: "Autre" }));
  expect(again).toEqual(first);
  expect(again.location).toBe("/signup/confirmation");
  const kinds = await db.pool.query(`SELECT kind FROM email_outbox WHERE recipient = $1 ORDER BY id`, [v.email]);
  expect(kinds.rows.map((r) => r.kind)).toEqual(["volunteer_confirmation", "volunteer_account_exists"]);
  const page = await h.request("GET", "/signup/confirmation");
  expect(page.body).toContain("Votre compte est en cours d’activation, un e-mail va suivre.");
});

test("activation without JavaScript: the link's page posts the token; each outcome has its French page", async () => {
  const v = volunteer();
  await postForm("/signup", encode(v));
  const token = (await confirmationToken(db.pool, String(v.email)))!;
  const page = await h.request("GET", `/signup/activation?jeton=${token}`);
  expect([page.statusCode, page.headers["cache-control"]]).toEqual([200, "no-store"]);
  expect(page.body).toContain("Activer mon compte");
  const ok = await h.request("POST", "/signup/activation", { headers: form, body: encode({ jeton: token }) });
  expect([ok.statusCode, ok.headers["content-type"]]).toEqual([200, "text/html; charset=utf-8"]);
  expect(ok.body).toContain("Votre compte est activé");
  const used = await h.request("POST", "/signup/activation", { headers: form, body: encode({ jeton: token }) });
  expect([used.statusCode, used.body.includes("Lien déjà utilisé")]).toEqual([409, true]);
  const unknown = await h.request("POST", "/signup/activation", { headers: form, body: encode({ jeton: "B".repeat(43) }) });
  expect([unknown.statusCode, unknown.body.includes("Lien inconnu")]).toEqual([404, true]);
  const malformed = await h.request("POST", "/signup/activation", { headers: form, body: encode({ jeton: "x" }) });
  expect([malformed.statusCode, malformed.body.includes("Lien incomplet")]).toEqual([400, true]);
});

test("applying with the form: a pending volunteer gets the same answer as an unknown address", async () => {
  const org = await db.pool.query<{ id: string }>(`INSERT INTO organizations (name, email, zip, status) VALUES ('A', $1, '75011', 'validated') RETURNING id`, [`o${Date.now()}@asso.example.org`]);
  const m = await db.pool.query<{ id: string }>(`INSERT INTO missions (organization_id, title, description, zip, department, places) VALUES ($1, 'T', 'D', '75011', '75', 2) RETURNING id::text AS id`, [org.rows[0]!.id]);
  const v = volunteer();
  await postForm("/signup", encode(v));
  const apply = (email: unknown) => h.request("POST", `/missions/${m.rows[0]!.id}/candidature`, { headers: form, body: encode({ email }) });
  const pending = await apply(v.email);
  const unknown = await apply("nobody@example.org");
  expect(pending.statusCode).toBe(400);
  expect(pending.body.replace(String(v.email), "X")).toBe(unknown.body.replace("nobody@example.org", "X"));
  await h.request("POST", "/signup/activation", { headers: json, body: JSON.stringify({ jeton: await confirmationToken(db.pool, String(v.email)) }) });
  expect((await postForm(`/missions/${m.rows[0]!.id}/candidature`, encode({ email: v.email }))).location).toBe("/candidature/confirmation");
});

test("the enhancement's JSON on the same URL: 201 { redirect } or 400 { message, fields } in French", async () => {
  const ok = await h.request("POST", "/signup", { headers: json, body: JSON.stringify(volunteer({ phone: "" })) });
  expect(ok.statusCode).toBe(201);
  expect(ok.json()).toEqual({ redirect: "/signup/confirmation" });
  const bad = await h.request("POST", "/signup", { headers: json, body: JSON.stringify({ email: "x", firstName: "A", lastName: "B", zip: "75011" }) });
  expect(bad.statusCode).toBe(400);
  expect(bad.json()).toEqual({ error: "validation_failed", message: expect.stringContaining("une erreur"), fields: { email: expect.stringContaining("Saisissez une adresse") } });
});

test("a repeated or unknown field is refused, not stored", async () => {
  const v = volunteer();
  const repeated = await h.request("POST", "/signup", { headers: form, body: `${encode(v)}&firstName=Other` });
  expect(repeated.statusCode).toBe(400);
  expect(repeated.body).toContain(`id="firstName-error"`);
  const unknown = await h.request("POST", "/signup", { headers: form, body: `${encode(volunteer())}&admin=1` });
  expect(unknown.statusCode).toBe(400);
  expect(unknown.body).toContain("n’est pas celui de cette page");
  expect((await db.pool.query(`SELECT 1 FROM volunteers WHERE email = $1`, [v.email])).rowCount).toBe(0);
});

test("the JSON API is unchanged: a form body to /api/volunteers is still 415 JSON", async () => {
  const r = await h.request("POST", "/api/volunteers", { headers: form, body: encode(volunteer()) });
  expect(r.statusCode).toBe(415);
  expect(r.json()).toEqual({ error: "unsupported_media_type", expected: "application/json" });
});

test("applying with the form to an unknown mission: a 404 page", async () => {
  const missing = await h.request("POST", "/missions/987654321/candidature", { headers: form, body: encode({ email: "a@example.org" }) });
  expect(missing.statusCode).toBe(404);
  expect(missing.body).toContain("Cette mission n’existe pas ou plus.");
});

test("rate-limited form posts get a French page, not JSON", async () => {
  const tight = await startApp(db, { RATE_LIMIT_WRITE_PER_MINUTE: "1" });
  try {
    await tight.request("POST", "/signup", { headers: form, body: encode(volunteer()) });
    const r = await tight.request("POST", "/signup", { headers: form, body: encode(volunteer()) });
    expect(r.statusCode).toBe(429);
    expect(r.headers["content-type"]).toMatch(/^text\/html/);
    expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
    expect(r.body).toContain("Trop de tentatives");
  } finally {
    await tight.close();
  }
});
