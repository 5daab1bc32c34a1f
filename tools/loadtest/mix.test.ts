import { MixPicker, formatMix, parseMix, totalRateFor, withoutKind, type RequestKind } from "./mix";

describe("parseMix", () => {
  it.each<[string, Partial<Record<RequestKind, number>>]>([
    ["signup=0.8,pages=0.15,apply=0.05", { signup: 0.8, pages: 0.15, apply: 0.05 }],
    ["signup=1", { signup: 1, pages: 0, apply: 0 }],
    ["signup=8, pages=2", { signup: 0.8, pages: 0.2, apply: 0 }],
    ["apply=1,signup=3", { signup: 0.75, pages: 0, apply: 0.25 }],
  ])("parses %s", (text, expected) => {
    const mix = parseMix(text);
    for (const k of Object.keys(expected) as RequestKind[]) expect(mix[k]).toBeCloseTo(expected[k] ?? NaN, 10);
  });

  it.each([
    ["pages=1", /signup share must be > 0/],
    ["signup=0,pages=1", /signup share must be > 0/],
    ["signup=1,login=0.2", /unknown kind "login"/],
    ["signup=1,signup=2", /given twice/],
    ["signup:1", /not <kind>=<share>/],
    ["page=1", /unknown kind "page" for the signup scenario; its kinds are signup, pages, apply/],
    ["signup=-1", /not <kind>=<share>/],
  ])("rejects %s", (text, message) => {
    expect(() => parseMix(text)).toThrow(message);
  });
});

describe("scenario mixes", () => {
  it("reads the home scenario's pages and assets, whose steps count every request", () => {
    const home = parseMix("page=1,asset=2", "home");
    expect(home.page).toBeCloseTo(1 / 3, 12);
    expect(home.asset).toBeCloseTo(2 / 3, 12);
    expect(totalRateFor(600, home)).toBe(600);
    expect(formatMix(home)).toBe("page=0.3333,asset=0.6667");
  });
  it.each([
    ["signup=1", "home", /unknown kind "signup" for the home scenario; its kinds are page, asset/],
    ["page=0,asset=0", "home", /every share is 0/],
  ] as const)("rejects %s for %s", (text, scenario, message) => {
    expect(() => parseMix(text, scenario)).toThrow(message);
  });
  it("picks pages and assets in proportion", () => {
    const picker = new MixPicker(parseMix("page=1,asset=2", "home"));
    const picks = Array.from({ length: 9 }, () => picker.next());
    expect(picks.filter((k) => k === "asset")).toHaveLength(6);
  });
});

describe("mix arithmetic", () => {
  const mix = parseMix("signup=0.8,pages=0.15,apply=0.05");
  it("offers the other kinds on top of the signup rate", () => {
    expect(totalRateFor(600, mix)).toBeCloseTo(750, 9);
    expect(totalRateFor(50, parseMix("signup=1"))).toBe(50);
  });
  it("drops a kind and renormalizes", () => {
    const m = withoutKind(mix, "apply");
    expect(m.apply).toBe(0);
    expect((m.signup ?? 0) + (m.pages ?? 0)).toBeCloseTo(1, 12);
    expect((m.signup ?? 0) / (m.pages ?? 1)).toBeCloseTo(0.8 / 0.15, 9);
  });
  it("formats without zero shares", () => {
    expect(formatMix(parseMix("signup=3,pages=1"))).toBe("signup=0.75,pages=0.25");
  });
});

describe("MixPicker", () => {
  function counts(mixText: string, n: number): Record<RequestKind, number> {
    const picker = new MixPicker(parseMix(mixText));
    const c: Record<string, number> = { signup: 0, pages: 0, apply: 0 };
    for (let i = 0; i < n; i++) c[picker.next()]++;
    return c;
  }
  it("hits the exact proportions over a full cycle", () => {
    expect(counts("signup=0.8,pages=0.15,apply=0.05", 100)).toEqual({ signup: 80, pages: 15, apply: 5 });
    expect(counts("signup=0.8,pages=0.15,apply=0.05", 2000)).toEqual({ signup: 1600, pages: 300, apply: 100 });
  });
  it("stays within one request of the exact share over any prefix", () => {
    const picker = new MixPicker(parseMix("signup=0.7,pages=0.2,apply=0.1"));
    const c: Record<string, number> = { signup: 0, pages: 0, apply: 0 };
    for (let i = 1; i <= 997; i++) {
      c[picker.next()]++;
      expect(Math.abs(c.signup - 0.7 * i)).toBeLessThanOrEqual(1);
      expect(Math.abs(c.apply - 0.1 * i)).toBeLessThanOrEqual(1);
    }
  });
  it("never picks a kind with no share", () => {
    expect(counts("signup=1", 50)).toEqual({ signup: 50, pages: 0, apply: 0 });
  });
});
