import { loadConfig } from "../src/config";
import { ADMIN_TOKEN, startApp, type Harness } from "./app-harness";
import { createTestDb, type TestDb } from "./db";

/**
 * The admin API answers only the operators' addresses (ADMIN_ALLOWED_CIDRS, on the client IP resolved
 * from the trusted proxies' headers) AND the admin token: a leaked token alone opens nothing.
 */

let db: TestDb;
let h: Harness;
const OPERATOR_V4 = "198.51.100.20";
const OPERATOR_V6 = "2001:db8:1:2::9";

beforeAll(async () => {
  db = await createTestDb();
  // the test's connections come from 127.0.0.1, a trusted proxy here: CF-Connecting-IP is the client
  h = await startApp(db, { TRUSTED_PROXIES: "127.0.0.1/32", ADMIN_ALLOWED_CIDRS: `${OPERATOR_V4}/32, 2001:db8:1::/48` });
});
afterAll(async () => {
  await h?.close();
  await db?.drop();
});

const admin = (ip: string, token: string | undefined) =>
  h.request("GET", "/api/admin/degraded-mode", { headers: { "cf-connecting-ip": ip, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

test("from an operator's address, with the token: served", async () => {
  expect((await admin(OPERATOR_V4, ADMIN_TOKEN)).statusCode).toBe(200);
  expect((await admin(OPERATOR_V6, ADMIN_TOKEN)).statusCode).toBe(200);
});

test("from an operator's address, without or with a wrong token: 401", async () => {
  expect((await admin(OPERATOR_V4, undefined)).statusCode).toBe(401);
  expect((await admin(OPERATOR_V4, "x".repeat(40))).statusCode).toBe(401);
});

test("from anywhere else, even with the token: 403, on every admin route", async () => {
  const r = await admin("203.0.113.50", ADMIN_TOKEN);
  expect([r.statusCode, r.json()]).toEqual([403, { error: "forbidden" }]);
  const put = await h.request("PUT", "/api/admin/degraded-mode", {
    body: JSON.stringify({ enabled: true, reason: "test" }),
    headers: { "content-type": "application/json", "cf-connecting-ip": "203.0.113.50", authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(put.statusCode).toBe(403);
  const validate = await h.request("POST", "/api/admin/organizations/00000000-0000-4000-8000-000000000000/validate", {
    headers: { "cf-connecting-ip": "2001:db8:2::1", authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(validate.statusCode).toBe(403);
});

test("a forged CF-Connecting-IP from a peer that is not a trusted proxy does not pass", async () => {
  const direct = await startApp(db, { TRUSTED_PROXIES: "10.0.0.0/8", ADMIN_ALLOWED_CIDRS: `${OPERATOR_V4}/32` });
  try {
    const r = await direct.request("GET", "/api/admin/degraded-mode", { headers: { "cf-connecting-ip": OPERATOR_V4, authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(r.statusCode).toBe(403);
  } finally {
    await direct.close();
  }
});

test("an internet-wide allow-list is refused at start", () => {
  expect(() => loadConfig({ ADMIN_ALLOWED_CIDRS: "0.0.0.0/0" })).toThrow(/ADMIN_ALLOWED_CIDRS must not hold 0.0.0.0\/0 or ::\/0/);
  expect(() => loadConfig({ ADMIN_ALLOWED_CIDRS: "198.51.100.20/32, ::/0" })).toThrow(/ADMIN_ALLOWED_CIDRS must not hold/);
  expect(() => loadConfig({ ADMIN_ALLOWED_CIDRS: "not-an-ip" })).toThrow(/ADMIN_ALLOWED_CIDRS has "not-an-ip"/);
  expect(loadConfig({}).adminAllowedCidrs.map((c) => c.text)).toEqual(["127.0.0.0/8", "::1/128"]);
});
