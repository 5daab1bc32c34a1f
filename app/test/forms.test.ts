import { createTestDb, type TestDb } from "./db";
import { startApp, volunteer, type Harness } from "./app-harness";

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

test("an address already registered: 409 and the message next to the address", async () => {
  const v = volunteer();
  expect((await postForm("/signup", encode(v))).statusCode).toBe(303);
  const again = await h.request("POST", "/signup", { headers: form, body: encode(v) });
  expect(again.statusCode).toBe(409);
  expect(again.body).toMatch(/id="email-error">Cette adresse est déjà inscrite/);
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
