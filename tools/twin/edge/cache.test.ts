import { EdgeCache, isEligible, parseCacheControl, storeDecision, type OriginResponseMeta } from "./cache";
import type { CacheSettings } from "./zone";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const respect: CacheSettings = { cache: true, edgeTtlMode: "respect_origin" };
const bypassByDefault: CacheSettings = { cache: true, edgeTtlMode: "bypass_by_default" };

describe("isEligible", () => {
  test.each([
    ["GET", "/", { cache: true }, true],
    ["HEAD", "/", { cache: true }, true],
    ["POST", "/", { cache: true }, false],
    ["GET", "/", { cache: false }, false],
    ["GET", "/assets/app.1234.css", { cache: false }, false],
    // No cache rule matched: Cloudflare's default extensions only.
    ["GET", "/assets/app.1234.css", undefined, true],
    ["GET", "/logo.PNG", undefined, true],
    ["GET", "/", undefined, false],
    ["GET", "/missions.json", undefined, false],
    ["GET", "/page.html", undefined, false],
  ] as const)("%s %s with %j -> %s", (method, path, settings, expected) => {
    expect(isEligible(method, path, settings)).toBe(expected);
  });
});

describe("parseCacheControl", () => {
  test("directives are lower-cased, values unquoted", () => {
    expect([...parseCacheControl('Public, Max-Age=60, s-maxage="120", no-transform')]).toEqual([
      ["public", ""],
      ["max-age", "60"],
      ["s-maxage", "120"],
      ["no-transform", ""],
    ]);
  });
});

describe("storeDecision", () => {
  const meta = (status: number, headers: OriginResponseMeta["headers"]): OriginResponseMeta => ({ status, headers });
  test.each<[string, OriginResponseMeta, CacheSettings | undefined, number | false]>([
    ["max-age", meta(200, { "cache-control": "public, max-age=60" }), respect, 60],
    ["s-maxage wins over max-age", meta(200, { "cache-control": "max-age=60, s-maxage=300" }), respect, 300],
    ["no-store", meta(200, { "cache-control": "no-store" }), respect, false],
    ["private", meta(200, { "cache-control": "private, max-age=60" }), respect, false],
    ["no-cache", meta(200, { "cache-control": "no-cache" }), respect, false],
    ["max-age=0", meta(200, { "cache-control": "max-age=0" }), respect, false],
    ["Set-Cookie, even with a lifetime", meta(200, { "cache-control": "public, max-age=60", "set-cookie": ["a=b"] }), respect, false],
    ["Expires relative to Date", meta(200, { expires: "Sun, 06 Dec 2026 12:10:00 GMT", date: "Sun, 06 Dec 2026 12:00:00 GMT" }), respect, 600],
    ["no lifetime, respect_origin: default TTL of a 200", meta(200, {}), respect, 7200],
    ["no lifetime, respect_origin: default TTL of a 404", meta(404, {}), respect, 180],
    ["no lifetime, respect_origin: no default for a 500", meta(500, {}), respect, false],
    ["no lifetime, bypass_by_default", meta(200, {}), bypassByDefault, false],
    ["lifetime, bypass_by_default", meta(200, { "cache-control": "max-age=30" }), bypassByDefault, 30],
    ["override_origin ignores max-age", meta(200, { "cache-control": "max-age=30" }), { cache: true, edgeTtlMode: "override_origin", edgeTtlDefault: 900 }, 900],
    ["override_origin still refuses no-store", meta(200, { "cache-control": "no-store" }), { cache: true, edgeTtlMode: "override_origin", edgeTtlDefault: 900 }, false],
    ["a 500 with a lifetime is not stored", meta(500, { "cache-control": "max-age=60" }), respect, false],
  ])("%s", (_name, m, settings, expected) => {
    const d = storeDecision(m, settings, NOW);
    expect(d.store ? d.ttlSeconds : false).toBe(expected);
  });
});

describe("EdgeCache", () => {
  const entry = (bytes: number) => ({ status: 200, headers: {}, body: Buffer.alloc(bytes), storedAt: NOW, expiresAt: NOW + 1000 });

  test("evicts the least recently used objects beyond its size", () => {
    const c = new EdgeCache(300, 200);
    c.set("a", entry(100));
    c.set("b", entry(100));
    c.get("a"); // a is now more recent than b
    c.set("c", entry(150));
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")?.body.length).toBe(100);
    expect(c.get("c")?.body.length).toBe(150);
    expect(c.usedBytes).toBe(250);
  });

  test("refuses an object larger than one object may be", () => {
    const c = new EdgeCache(1000, 200);
    expect(c.set("big", entry(201))).toBe(false);
    expect(c.size).toBe(0);
  });

  test("replacing an entry keeps the byte count right", () => {
    const c = new EdgeCache(1000, 1000);
    c.set("a", entry(100));
    c.set("a", entry(40));
    expect(c.usedBytes).toBe(40);
  });
});
