import { LOG_MESSAGE_MAX, safeError, SMTP_ERROR_MAX, smtpErrorText } from "./log-safe";

describe("smtpErrorText", () => {
  test.each([
    ["Can't send mail - all recipients were rejected: 550 5.1.1 <jeanne.dupont@example.org>: Recipient address rejected", "Can't send mail - all recipients were rejected: 550 5.1.1 <<address>>: Recipient address rejected"],
    ["421 4.7.0 Try again later", "421 4.7.0 Try again later"],
    ["to=jeanne@example.org, from=no-reply@renfort.fr", "to=<address>, from=<address>"],
  ])("%s", (raw, expected) => {
    expect(smtpErrorText(new Error(raw))).toBe(expected);
  });
  test(`cut to ${SMTP_ERROR_MAX} characters`, () => {
    expect(smtpErrorText(new Error("x".repeat(5000)))).toHaveLength(SMTP_ERROR_MAX);
  });
});

describe("safeError", () => {
  test("keeps code, message and object names of a PostgreSQL error, never its detail", () => {
    const err = Object.assign(new Error('duplicate key value violates unique constraint "volunteers_email"'), {
      code: "23505",
      detail: "Key (lower(email))=(jeanne@example.org) already exists.",
      constraint: "volunteers_email",
      table: "volunteers",
      where: "SQL statement",
    });
    const safe = safeError(err);
    expect(safe).toMatchObject({ type: "Error", code: "23505", constraint: "volunteers_email", table: "volunteers", message: err.message });
    expect(JSON.stringify(safe)).not.toMatch(/jeanne|detail|where/);
  });
  test(`message bounded to ${LOG_MESSAGE_MAX} characters, addresses replaced`, () => {
    expect(safeError(new Error(`invalid input: jeanne@example.org ${"y".repeat(1000)}`)).message).toMatch(/^invalid input: <address> y+$/);
    expect(safeError(new Error("y".repeat(1000))).message).toHaveLength(LOG_MESSAGE_MAX);
  });
});
