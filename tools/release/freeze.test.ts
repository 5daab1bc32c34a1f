import { readFileSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { activeFreeze, decide, FreezeCalendar, main, parseCalendar } from "./freeze";
import { scratchDir } from "../../testing/scratch";

const cal = (c: Partial<FreezeCalendar>): FreezeCalendar => ({ windows: [], weekly: [], ...c });
const at = (iso: string) => new Date(iso);
const ms = (iso: string, delta: number) => new Date(Date.parse(iso) + delta);

const tv = cal({
  windows: [{ id: "tv", start: "2026-12-03T17:00:00Z", end: "2026-12-04T06:00:00Z", reason: "TV slot" }],
});

describe("one-off windows: start inclusive, end exclusive", () => {
  it.each<[string, Date, string | undefined]>([
    ["1 ms before start", ms("2026-12-03T17:00:00Z", -1), undefined],
    ["exactly at start", at("2026-12-03T17:00:00Z"), "tv"],
    ["in the middle", at("2026-12-03T23:00:00Z"), "tv"],
    ["1 ms before end", ms("2026-12-04T06:00:00Z", -1), "tv"],
    ["exactly at end", at("2026-12-04T06:00:00Z"), undefined],
  ])("%s", (_label, now, expected) => {
    expect(activeFreeze(tv, now)?.id).toBe(expected);
  });

  it("leaves no gap and no overlap between back-to-back windows", () => {
    const c = cal({
      windows: [
        { id: "a", start: "2026-12-05T00:00:00Z", end: "2026-12-06T00:00:00Z", reason: "a" },
        { id: "b", start: "2026-12-06T00:00:00Z", end: "2026-12-07T00:00:00Z", reason: "b" },
      ],
    });
    expect(activeFreeze(c, ms("2026-12-06T00:00:00Z", -1))?.id).toBe("a");
    expect(activeFreeze(c, at("2026-12-06T00:00:00Z"))?.id).toBe("b");
  });

  it("reports the overlapping window that ends last", () => {
    const c = cal({
      windows: [
        { id: "short", start: "2026-12-03T17:00:00Z", end: "2026-12-03T20:00:00Z", reason: "s" },
        { id: "long", start: "2026-12-03T18:00:00Z", end: "2026-12-04T06:00:00Z", reason: "l" },
      ],
    });
    expect(activeFreeze(c, at("2026-12-03T19:00:00Z"))?.id).toBe("long");
  });
});

describe("weekly windows (UTC)", () => {
  const friday = cal({ weekly: [{ id: "fri", from: "FRI 15:00", to: "SAT 06:00", reason: "friday" }] });
  const overSunday = cal({ weekly: [{ id: "night", from: "SUN 22:00", to: "MON 02:00", reason: "maintenance" }] });

  it.each<[string, Date, boolean]>([
    ["Fri 14:59:59.999", ms("2026-11-27T15:00:00Z", -1), false],
    ["Fri 15:00 (start)", at("2026-11-27T15:00:00Z"), true],
    ["Sat 05:59:59.999", ms("2026-11-28T06:00:00Z", -1), true],
    ["Sat 06:00 (end)", at("2026-11-28T06:00:00Z"), false],
    ["Wednesday", at("2026-11-25T12:00:00Z"), false],
  ])("%s", (_label, now, frozen) => {
    expect(activeFreeze(friday, now) !== undefined).toBe(frozen);
  });

  it("gives the concrete occurrence", () => {
    const f = activeFreeze(friday, at("2026-11-27T20:30:15Z"))!;
    expect([f.start.toISOString(), f.end.toISOString()]).toEqual(["2026-11-27T15:00:00.000Z", "2026-11-28T06:00:00.000Z"]);
  });

  it("wraps over Sunday night into Monday", () => {
    expect(activeFreeze(overSunday, at("2026-11-29T22:00:00Z"))?.id).toBe("night");
    const f = activeFreeze(overSunday, at("2026-11-30T01:59:00Z"))!;
    expect(f.start.toISOString()).toBe("2026-11-29T22:00:00.000Z");
    expect(f.end.toISOString()).toBe("2026-11-30T02:00:00.000Z");
    expect(activeFreeze(overSunday, at("2026-11-30T02:00:00Z"))).toBeUndefined();
    expect(activeFreeze(overSunday, ms("2026-11-29T22:00:00Z", -1))).toBeUndefined();
  });
});

describe("weeks of a Europe/Paris daylight-saving change", () => {
  const paris = (d: Date) =>
    new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
  const nightly = cal({ weekly: [{ id: "sat-night", from: "SAT 22:00", to: "SUN 06:00", reason: "batch" }] });

  it.each([
    // Paris leaves summer time on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET) and enters it on
    // Sunday 28 March 2027 (02:00 CET -> 03:00 CEST).
    ["autumn 2026", "2026-10-25T01:30:00Z", "2026-10-24T22:00:00Z", "2026-10-25T06:00:00Z", "00:00", "07:00"],
    ["spring 2027", "2027-03-28T01:30:00Z", "2027-03-27T22:00:00Z", "2027-03-28T06:00:00Z", "23:00", "08:00"],
  ])("a window across the %s change lasts exactly its UTC length", (_label, probe, start, end, parisStart, parisEnd) => {
    const f = activeFreeze(nightly, at(probe))!;
    expect(f.start.toISOString()).toBe(new Date(start).toISOString());
    expect(f.end.toISOString()).toBe(new Date(end).toISOString());
    expect(f.end.getTime() - f.start.getTime()).toBe(8 * 3600_000);
    // the wall-clock length in Paris differs (7 h in autumn, 9 h in spring): UTC is the contract
    expect([paris(f.start), paris(f.end)]).toEqual([parisStart, parisEnd]);
  });

  it("tells apart the two 02:30 of the night summer time ends", () => {
    const c = cal({ windows: [{ id: "first-0230", start: "2026-10-25T00:30:00Z", end: "2026-10-25T01:00:00Z", reason: "x" }] });
    expect(activeFreeze(c, at("2026-10-25T02:30:00+02:00"))?.id).toBe("first-0230"); // 00:30Z, still CEST
    expect(activeFreeze(c, at("2026-10-25T02:30:00+01:00"))).toBeUndefined(); // 01:30Z, CET again
  });

  it("keeps a weekly UTC window fixed while its Paris time moves by an hour", () => {
    const friday = cal({ weekly: [{ id: "fri", from: "FRI 15:00", to: "SAT 06:00", reason: "friday" }] });
    const before = activeFreeze(friday, at("2026-10-23T15:00:00Z"))!; // Friday before the change
    const after = activeFreeze(friday, at("2026-10-30T15:00:00Z"))!; // Friday after
    expect(paris(before.start)).toBe("17:00");
    expect(paris(after.start)).toBe("16:00");
    expect(activeFreeze(friday, ms("2026-10-30T15:00:00Z", -1))).toBeUndefined();
  });
});

describe("decide", () => {
  const inside = at("2026-12-03T18:00:00Z");

  it("refuses inside a window and says until when", () => {
    const d = decide(tv, inside);
    expect(d.allowed).toBe(false);
    expect(d.message).toContain('freeze window "tv" (2026-12-03T17:00:00.000Z to 2026-12-04T06:00:00.000Z, UTC): TV slot');
    expect(d.message).toContain("wait until 2026-12-04T06:00:00.000Z");
  });

  it("allows an override with a reason, naming the actor", () => {
    const d = decide(tv, inside, { reason: "hotfix: signup 500s on /api/volunteers", actor: "oncall-ana" });
    expect(d).toMatchObject({ allowed: true, overridden: true });
    expect(d.message).toMatch(/FREEZE OVERRIDDEN .* by oncall-ana: .*Override reason: hotfix: signup 500s/);
  });

  it.each(["", "   ", "fix"])("rejects the override reason %j", (reason) => {
    expect(decide(tv, inside, { reason }).allowed).toBe(false);
  });

  it("allows outside any window without an override", () => {
    expect(decide(tv, at("2026-12-04T06:00:00Z"))).toMatchObject({ allowed: true, overridden: false });
  });
});

describe("calendar file", () => {
  it("parses the repository's calendar", () => {
    const c = parseCalendar(readFileSync(join(__dirname, "..", "..", "release", "freeze-windows.yaml"), "utf8"));
    expect(c.windows.map((w) => w.id)).toContain("tv-announcement");
  });

  it.each([
    ["windows:\n  - { id: a, start: '2026-12-03T18:00:00+01:00', end: '2026-12-04T00:00:00Z', reason: r }", /windows\.0\.start must be an ISO 8601 UTC time ending in Z/],
    ["windows:\n  - { id: a, start: '2026-12-04T00:00:00Z', end: '2026-12-03T00:00:00Z', reason: r }", /windows\.0\.end end must be after start/],
    ["weekly:\n  - { id: a, from: 'FRIDAY 15:00', to: 'SAT 06:00', reason: r }", /weekly\.0\.from must be "<DAY> HH:MM"/],
    ["windows:\n  - { id: a, start: '2026-12-03T00:00:00Z', end: '2026-12-04T00:00:00Z' }", /windows\.0\.reason/],
    ["windowz: []", /Unrecognized key/],
    [
      "windows:\n  - { id: a, start: '2026-12-03T00:00:00Z', end: '2026-12-04T00:00:00Z', reason: r }\nweekly:\n  - { id: a, from: 'FRI 15:00', to: 'SAT 06:00', reason: r }",
      /window id "a" is used twice/,
    ],
  ])("rejects %j", (text, message) => {
    expect(() => parseCalendar(text, "f.yaml")).toThrow(message);
  });
});

describe("freeze:check CLI", () => {
  const dir = scratchDir("renfort-freeze-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "f.yaml");
  writeFileSync(file, "windows:\n  - { id: tv, start: '2026-12-03T17:00:00Z', end: '2026-12-04T06:00:00Z', reason: TV slot }\n");
  const clock = () => at("2026-12-03T18:00:00Z");
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const out: string[] = [];
    return { code: main(["--file", file, ...argv], env, clock, (s) => out.push(s)), out: out.join("\n") };
  };

  it("exits 1 inside a window, using the injected clock", () => {
    expect(run([]).code).toBe(1);
  });

  it("exits 0 at the end instant given by --now", () => {
    expect(run(["--now", "2026-12-04T06:00:00Z"]).code).toBe(0);
  });

  it("treats an empty override (unset workflow input) as none", () => {
    expect(run(["--override-reason", ""]).code).toBe(1);
  });

  it("logs an override in the job summary", () => {
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "");
    const r = run(["--override-reason", "rollback of a broken release"], { GITHUB_ACTOR: "oncall-ana", GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(0);
    expect(readFileSync(summary, "utf8")).toContain("by oncall-ana");
  });

  it("exits 2 on a bad calendar or arguments", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "windows: [{ id: a }]\n");
    expect(main(["--file", bad], {}, clock, () => undefined)).toBe(2);
    expect(run(["--now", "tomorrow"]).code).toBe(2);
    expect(run(["--bogus", "x"]).code).toBe(2);
  });

  it("tells a refusal and an error on stderr, the decision to go ahead on stdout", () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(main(["--file", file], {}, clock, (s) => out.push(s), (s) => err.push(s))).toBe(1);
    expect(err.join("\n")).toMatch(/^prod deploy refused: inside freeze window "tv"/);
    expect(main(["--file", file, "--now", "2026-12-05T00:00:00Z"], {}, clock, (s) => out.push(s), (s) => err.push(s))).toBe(0);
    expect(out.join("\n")).toMatch(/^no freeze window at 2026-12-05T00:00:00.000Z: deploy allowed/);
    expect(main(["--file", file, "--bogus"], {}, clock, (s) => out.push(s), (s) => err.push(s))).toBe(2);
    expect(err.at(-2)).toMatch(/^freeze:check: Unknown option '--bogus'/);
  });
});
