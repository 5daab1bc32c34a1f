import { MAX_VISITOR_ADDRESSES, extractMissionIds, isExpectedAnswer, makeSignup, mix32, newRunId, visitorAddress } from "./traffic";

describe("makeSignup", () => {
  it("gives every sequence number a unique, valid email", () => {
    const emails = new Set<string>();
    for (let seq = 0; seq < 5000; seq++) {
      const s = makeSignup("ltabc", seq, "example.org");
      expect(s.email).toMatch(/^[a-z0-9.+-]+@example\.org$/);
      emails.add(s.email.toLowerCase());
    }
    expect(emails.size).toBe(5000);
  });

  it("fills realistic fields, optional ones only sometimes", () => {
    const all = Array.from({ length: 1000 }, (_, i) => makeSignup("r", i, "example.org"));
    for (const s of all) {
      expect(s.firstName.length).toBeGreaterThan(1);
      expect(s.lastName.length).toBeGreaterThan(1);
      expect(s.zip).toMatch(/^\d{5}$/);
      if (s.phone !== undefined) expect(s.phone).toMatch(/^0[67]\d{8}$/);
      if (s.birthdate !== undefined) {
        expect(s.birthdate).toMatch(/^(19[5-9]\d|200[0-6])-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])$/);
        expect(Number.isNaN(Date.parse(s.birthdate))).toBe(false);
      }
    }
    const withPhone = all.filter((s) => s.phone !== undefined).length;
    const withBirthdate = all.filter((s) => s.birthdate !== undefined).length;
    expect(withPhone).toBeGreaterThan(500);
    expect(withPhone).toBeLessThan(700);
    expect(withBirthdate).toBeGreaterThan(600);
    expect(withBirthdate).toBeLessThan(800);
    expect(new Set(all.map((s) => s.firstName)).size).toBeGreaterThan(10);
  });

  it("is deterministic", () => {
    expect(makeSignup("r", 42, "example.org")).toEqual(makeSignup("r", 42, "example.org"));
    expect(mix32(1)).not.toBe(mix32(2));
  });

  it("builds a run id safe for an email local part", () => {
    expect(newRunId(1_800_000_000_000, 0.5)).toMatch(/^lt[a-z0-9]{12}$/);
    expect(newRunId(1, 0)).not.toBe(newRunId(1, 0.9));
  });
});

describe("extractMissionIds", () => {
  it.each<[string, unknown, string[]]>([
    ["bare array", [{ id: 1 }, { id: 2 }], ["1", "2"]],
    ["missions envelope", { missions: [{ id: "a1", title: "x" }] }, ["a1"]],
    ["items envelope", { items: [{ id: 7 }], total: 1 }, ["7"]],
    ["data envelope", { data: [{ id: "b" }] }, ["b"]],
    ["empty list", { missions: [] }, []],
    ["items without id are skipped", [{ title: "x" }, null, { id: "" }, { id: 3 }], ["3"]],
    ["not a list", { error: "x" }, []],
    ["null", null, []],
  ])("%s", (_name, json, ids) => {
    expect(extractMissionIds(json)).toEqual(ids);
  });
});

describe("isExpectedAnswer", () => {
  it.each<["signup" | "pages" | "apply", number, string | null, boolean]>([
    ["signup", 202, null, true],
    ["signup", 201, null, false],
    ["signup", 200, null, false],
    ["signup", 409, '{"error":"email_taken"}', false],
    ["signup", 429, null, false],
    ["signup", 503, null, false],
    ["pages", 200, null, true],
    ["pages", 304, null, false],
    ["pages", 500, null, false],
    ["apply", 201, "{}", true],
    ["apply", 409, '{"error":"mission_full"}', true],
    ["apply", 409, '{"error":"already_applied"}', false],
    ["apply", 404, '{"error":"not_found"}', false],
  ])("%s %d %s -> %p", (kind, status, body, expected) => {
    expect(isExpectedAnswer(kind, status, body)).toBe(expected);
  });
});

describe("visitorAddress", () => {
  it.each([
    [0, "100.64.0.0"],
    [1, "100.64.0.1"],
    [256, "100.64.1.0"],
    [65_536, "100.65.0.0"],
    [MAX_VISITOR_ADDRESSES - 1, "100.127.255.255"],
  ])("visitor %p is %s", (i, address) => {
    expect(visitorAddress(i)).toBe(address);
  });
  it("gives distinct addresses", () => {
    expect(new Set(Array.from({ length: 70_000 }, (_, i) => visitorAddress(i))).size).toBe(70_000);
  });
  it.each([-1, 1.5, MAX_VISITOR_ADDRESSES])("rejects %p", (i) => {
    expect(() => visitorAddress(i)).toThrow(RangeError);
  });
});
