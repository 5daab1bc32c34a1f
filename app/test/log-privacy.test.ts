import { startApp, volunteer, type Harness } from "./app-harness";
import { createTestDb, type TestDb } from "./db";

/**
 * No personal data in logs: a signup the database refuses with an error the app does not expect (a
 * unique violation on another column, a check constraint) is a 500, and its log line names the SQLSTATE
 * and the constraint, never the row (PostgreSQL's `detail` holds it).
 */

let db: TestDb;
let app: Harness;

beforeAll(async () => {
  db = await createTestDb();
  // Constraints the app does not handle, so their errors reach the error handler and its log.
  await db.pool.query("CREATE UNIQUE INDEX log_privacy_phone ON volunteers (phone)");
  await db.pool.query("ALTER TABLE volunteers ADD CONSTRAINT log_privacy_no_x CHECK (last_name <> 'Refusé')");
  app = await startApp(db);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

function errorLines(): Array<Record<string, unknown>> {
  return app.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "unhandled error");
}

test("a unique violation is logged with its code and constraint, without the email or the row", async () => {
  const first = volunteer({ phone: "0612345678", lastName: "Dupont" });
  expect((await app.request("POST", "/api/volunteers", { body: JSON.stringify(first), headers: { "content-type": "application/json" } })).statusCode).toBe(202);
  const second = volunteer({ phone: "0612345678", firstName: "Aurélien", lastName: "Lefebvre" });
  const before = errorLines().length;
  const r = await app.request("POST", "/api/volunteers", { body: JSON.stringify(second), headers: { "content-type": "application/json" } });
  expect(r.statusCode).toBe(500);
  const lines = app.logs.lines.join("\n");
  const logged = errorLines().slice(before);
  expect(logged).toHaveLength(1);
  expect(logged[0]!.err).toMatchObject({ code: "23505", constraint: "log_privacy_phone" });
  for (const value of [second.email as string, "0612345678", "Aurélien", "Lefebvre", "Failing row", "Key ("]) expect(lines).not.toContain(value);
});

test("a check violation is logged with its code and constraint, without the email or the row", async () => {
  const body = volunteer({ firstName: "Séverine", lastName: "Refusé", phone: "0698765432" });
  const before = errorLines().length;
  const r = await app.request("POST", "/api/volunteers", { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  expect(r.statusCode).toBe(500);
  const logged = errorLines().slice(before);
  expect(logged).toHaveLength(1);
  expect(logged[0]!.err).toMatchObject({ code: "23514", constraint: "log_privacy_no_x" });
  const lines = app.logs.lines.join("\n");
  for (const value of [body.email as string, "0698765432", "Séverine", "Failing row"]) expect(lines).not.toContain(value);
});
