import type { PlanResource } from "../../plan/harness";
import { normalizePath, RateLimiter, runPhases, type EdgeRequest } from "./engine";
import { readZone, type EdgeZone } from "./zone";

function zoneWith(rulesets: Record<string, unknown[]>): EdgeZone {
  const resources: PlanResource[] = [
    { urn: "r", type: "cloudflare:index/dnsRecord:DnsRecord", name: "r", custom: true, protect: false, dependsOn: [], inputs: { zoneId: "z", name: "www.example.fr", type: "A", content: "192.0.2.1", proxied: true } },
    ...Object.entries(rulesets).map(([phase, rules]) => ({
      urn: phase, type: "cloudflare:index/ruleset:Ruleset", name: phase, custom: true, protect: false, dependsOn: [], inputs: { zoneId: "z", kind: "zone", phase, rules },
    })),
  ];
  return readZone(resources);
}

const req = (over: Partial<EdgeRequest> = {}): EdgeRequest => ({ method: "GET", path: "/", host: "www.example.fr", country: "FR", clientIp: "192.0.2.50", headers: {}, ...over });

describe("normalizePath", () => {
  test.each([
    ["/", "/"],
    ["/a//b///c", "/a/b/c"],
    ["/a/./b/../c", "/a/c"],
    ["/../../etc", "/etc"],
    ["/a\\b", "/a/b"],
    ["/%61dmin", "/admin"],
    ["/%2e%2e/admin", "/admin"],
    ["/a%2fb", "/a%2Fb"],
    ["/a/b/..", "/a/"],
  ])("%s -> %s", (raw, expected) => {
    expect(normalizePath(raw)).toBe(expected);
  });
});

describe("runPhases", () => {
  test("a skip of the current ruleset lets a request past the later rules of that phase only", () => {
    const zone = zoneWith({
      http_request_firewall_custom: [
        { ref: "allow_health", action: "skip", expression: 'http.request.uri.path eq "/healthz"', actionParameters: { ruleset: "current" } },
        { ref: "block_all", action: "block", expression: "true" },
      ],
    });
    const limiter = new RateLimiter(() => 0);
    expect(runPhases(zone, limiter, req({ path: "/healthz" }), "ray").kind).toBe("forward");
    expect(runPhases(zone, limiter, req({ path: "/x" }), "ray")).toMatchObject({ kind: "respond", status: 403, challenge: false });
  });

  test("a later cache rule overrides an earlier one", () => {
    const zone = zoneWith({
      http_request_cache_settings: [
        { ref: "all", action: "set_cache_settings", expression: "true", actionParameters: { cache: true, edgeTtl: { mode: "respect_origin" } } },
        { ref: "api", action: "set_cache_settings", expression: 'starts_with(http.request.uri.path, "/api/")', actionParameters: { cache: false } },
      ],
    });
    const limiter = new RateLimiter(() => 0);
    expect(runPhases(zone, limiter, req({ path: "/a" }), "r")).toMatchObject({ cache: { cache: true, edgeTtlMode: "respect_origin" } });
    expect(runPhases(zone, limiter, req({ path: "/api/x" }), "r")).toMatchObject({ cache: { cache: false } });
  });

  test("a rate-limit block without a custom response is a 429; a challenge is a 403 marked cf-mitigated", () => {
    const zone = zoneWith({
      http_request_firewall_custom: [{ ref: "ch", action: "managed_challenge", expression: 'http.request.uri.path eq "/admin"' }],
      http_ratelimit: [{ ref: "rl", action: "block", expression: "true", ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 10, requestsPerPeriod: 1, mitigationTimeout: 10 } }],
    });
    const limiter = new RateLimiter(() => 0);
    expect(runPhases(zone, limiter, req({ path: "/admin" }), "r")).toMatchObject({ kind: "respond", status: 403, challenge: true });
    expect(runPhases(zone, limiter, req(), "r").kind).toBe("forward");
    expect(runPhases(zone, limiter, req(), "r")).toMatchObject({ kind: "respond", status: 429 });
  });
});

describe("RateLimiter", () => {
  const limit = { characteristics: ["cf.colo.id", "ip.src"], period: 10, requestsPerPeriod: 3, mitigationTimeout: 0 };
  const zone = zoneWith({ http_ratelimit: [{ ref: "rl", action: "block", expression: "true", ratelimit: limit }] });
  const rule = zone.rules[0];

  test("a mitigation timeout of 0 throttles: only requests above the rate are refused", () => {
    let t = 0;
    const l = new RateLimiter(() => t);
    const results = [0, 1, 2, 3, 4].map((i) => {
      t = i * 1000;
      return l.hit(rule, limit, req());
    });
    expect(results).toEqual([false, false, false, true, true]);
    t = 10_500; // the first two requests left the window
    expect(l.hit(rule, limit, req())).toBe(false);
  });

  test("sweep drops idle counters", () => {
    let t = 0;
    const l = new RateLimiter(() => t);
    l.hit(rule, limit, req({ clientIp: "192.0.2.1" }));
    l.hit(rule, limit, req({ clientIp: "192.0.2.2" }));
    expect(l.size).toBe(2);
    t = 11_000;
    l.sweep(10);
    expect(l.size).toBe(0);
  });
});
