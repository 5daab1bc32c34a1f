import { checkBirthdate, departmentFromZip, fieldsFromSchemaErrors, normalizeDepartment } from "./domain";
import { esc } from "./html";
import { backoffMs, mailDomain, messageIdFor, renderMessage } from "./outbox";

test.each([
  ["75011", "75"],
  ["01000", "01"],
  ["20000", "2A"],
  ["20190", "2A"],
  ["20200", "2B"],
  ["97400", "974"],
  ["98800", "988"],
  ["00000", undefined],
  ["7501", undefined],
  ["abcde", undefined],
])("departmentFromZip(%s) = %s", (zip, dept) => expect(departmentFromZip(zip)).toBe(dept));

test.each([
  ["75", "75"],
  ["2a", "2A"],
  ["974", "974"],
  ["20", undefined],
  ["00", undefined],
  ["96", undefined],
  ["x", undefined],
])("normalizeDepartment(%s) = %s", (d, out) => expect(normalizeDepartment(d)).toBe(out));

const today = new Date("2026-11-29T00:00:00Z");
test.each([
  ["1990-02-28", undefined],
  ["2000-02-29", undefined],
  ["2001-02-29", "must be a real calendar date"],
  ["1899-12-31", "must be after 1900-01-01"],
  ["2026-11-30", "must not be in the future"],
  ["1990-2-28", "must be a date YYYY-MM-DD"],
])("checkBirthdate(%s)", (d, problem) => expect(checkBirthdate(d, today)).toBe(problem));

test("fieldsFromSchemaErrors names missing, unknown and malformed fields, first message wins", () => {
  expect(
    fieldsFromSchemaErrors([
      { keyword: "required", instancePath: "", params: { missingProperty: "email" } },
      { keyword: "additionalProperties", instancePath: "", params: { additionalProperty: "role" } },
      { keyword: "type", instancePath: "/zip", params: { type: "string" } },
      { keyword: "pattern", instancePath: "/zip", params: {} },
      { keyword: "maxLength", instancePath: "/firstName", params: { limit: 100 } },
      { keyword: "type", instancePath: "", params: { type: "object" } },
    ]),
  ).toEqual({ email: "is required", role: "is not allowed", zip: "must be a string", firstName: "must be at most 100 characters", body: "must be a JSON object" });
});

test("esc escapes every HTML-significant character", () => {
  expect(esc(`<a href="x" onclick='y'>&\`</a>`)).toBe("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;");
  expect(esc(null)).toBe("");
});

test("backoff doubles from 5 s, capped at an hour, with bounded jitter", () => {
  expect([1, 2, 3].map((a) => backoffMs(a, () => 0.5))).toEqual([5000, 10000, 20000]);
  expect(backoffMs(30, () => 0.5)).toBe(3_600_000);
  expect(backoffMs(1, () => 0)).toBe(4000);
  expect(backoffMs(1, () => 1)).toBe(6000);
});

test("Message-ID is stable per outbox row and uses the sender's domain", () => {
  expect(mailDomain("Renfort <no-reply@jeveuxaider.example>")).toBe("jeveuxaider.example");
  expect(messageIdFor("42", "a@b.fr")).toBe("<outbox-42@b.fr>");
  const row = { id: "42", kind: "volunteer_welcome", recipient: "v@example.org", payload: { firstName: "Ann" }, attempts: 1 };
  expect(renderMessage(row, "a@b.fr", "https://renfort.test").messageId).toBe(renderMessage({ ...row, attempts: 3 }, "a@b.fr", "https://renfort.test").messageId);
  expect(renderMessage(row, "a@b.fr", "https://renfort.test").text).toContain("Bonjour Ann");
  expect(() => renderMessage({ ...row, kind: "nope" }, "a@b.fr", "https://renfort.test")).toThrow(/unknown outbox kind/);
});
