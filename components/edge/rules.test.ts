import { FRENCH_TERRITORIES } from "./countries";
import { eq, hasHeader, isIn, matches, not, parse, render, type Expr, type SampleRequest } from "./expressions";
import { CLOUDFLARE_PLANS, MANAGED_RULESETS, PLAN_LIMITS, type CloudflarePlan } from "./plans";
import {
  cacheRules,
  customRuleCount,
  customWafRules,
  edgeRulesets,
  geoBanRef,
  managedWafRules,
  PROBE_PATH_FRAGMENTS,
  RATE_LIMITED_RESPONSE,
  rateLimitRules,
  RULESETS,
  toRulesetRule,
  type EdgeRulesInput,
  type RuleSpec,
} from "./rules";

const LIMITS = {
  signup: { requestsPerPeriod: 120, periodSeconds: 60, mitigationTimeoutSeconds: 600 },
  apiWrites: { requestsPerPeriod: 300, periodSeconds: 60, mitigationTimeoutSeconds: 600 },
};
const SENSITIVE = ["/admin", "/api/admin"];
const input = (over: Partial<EdgeRulesInput> = {}): EdgeRulesInput => ({
  plan: "pro",
  owaspCore: true,
  geoBans: ["KP"],
  sensitivePaths: SENSITIVE,
  rateLimits: LIMITS,
  ...over,
});

/** The text sent to Cloudflare for a rule. */
const text = (r: RuleSpec) => toRulesetRule(r).expression as string;
const byRef = (rules: RuleSpec[], ref: string) => {
  const r = rules.find((x) => x.ref === ref);
  if (!r) throw new Error(`no rule ${ref}`);
  return r;
};

// Every route of the app, and some that are not.
const APP_PATHS = [
  "/",
  "/missions",
  "/missions/5b7c1d2e",
  "/signup",
  "/signup/confirmation",
  "/assets/app.3f9a1c0d2e.css",
  "/assets/app.9d8e7f6a5b.js",
  "/healthz",
  "/api/missions",
  "/api/missions/5b7c1d2e",
  "/api/missions/5b7c1d2e/applications",
  "/api/volunteers",
  "/api/volunteers/",
  "/api/organizations",
  "/api/organizations/7/missions",
  "/api/admin/organizations/7/validate",
  "/admin",
  "/Admin/settings",
  "/.well-known/security.txt",
];
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const COOKIES = ["", "cf_clearance=abc", "session=1"];
const AUTHORIZATIONS = ["", "Bearer org-token"];
const GRID: SampleRequest[] = APP_PATHS.flatMap((path) =>
  METHODS.flatMap((method) =>
    COOKIES.flatMap((cookie) =>
      AUTHORIZATIONS.map((authorization) => ({ method, path, cookie, headers: { authorization }, country: "FR", host: "www.example.fr" })),
    ),
  ),
);

const isWrite = (r: SampleRequest) => r.method !== "GET" && r.method !== "HEAD";
const PUBLIC_API_READS = /^\/api\/missions(\/[^/]+)?$/;
const isApiWritePath = (p: string) => p.startsWith("/api/") && !PUBLIC_API_READS.test(p);
const isSensitive = (p: string) => SENSITIVE.some((s) => p.toLowerCase().startsWith(s));

describe("managed WAF", () => {
  it.each<[CloudflarePlan, boolean, string[]]>([
    ["pro", true, [MANAGED_RULESETS.cloudflare, MANAGED_RULESETS.owasp]],
    ["pro", false, [MANAGED_RULESETS.cloudflare]],
    ["business", true, [MANAGED_RULESETS.cloudflare, MANAGED_RULESETS.owasp]],
    ["enterprise", true, [MANAGED_RULESETS.cloudflare, MANAGED_RULESETS.owasp]],
    // Free zones are not entitled to the others: naming them would reject the whole entry point.
    ["free", true, [MANAGED_RULESETS.free]],
    ["free", false, [MANAGED_RULESETS.free]],
  ])("%s plan, owaspCore %s executes %j", (plan, owasp, ids) => {
    const rules = managedWafRules(plan, owasp);
    expect(rules.map((r) => r.actionParameters?.id)).toEqual(ids);
    for (const r of rules) {
      expect(r.action).toBe("execute");
      expect(text(r)).toBe("true");
    }
  });

  it("uses the documented ruleset ids", () => {
    expect(MANAGED_RULESETS).toEqual({
      cloudflare: "efb7b8c949ac4650a09736fc376e9aee",
      owasp: "4814384a9e5d4991b9815dcfc25d2f1f",
      free: "77454fe2d30c4220b5701f6fdfb893ba",
    });
  });
});

describe("custom WAF", () => {
  const rules = customWafRules(["KP", "IR"], SENSITIVE);

  it("has one geo ban per code keyed by ISO code, then the probe block, then the challenge", () => {
    expect(rules.map((r) => [r.ref, r.action, text(r)])).toEqual([
      ["geo_ban_kp", "block", 'ip.src.country in {"KP"}'],
      ["geo_ban_ir", "block", 'ip.src.country in {"IR"}'],
      ["block_scanner_probes", "block", PROBE_PATH_FRAGMENTS.map((f) => `lower(http.request.uri.path) contains "${f}"`).join(" or ")],
      ["block_internal_paths", "block", 'starts_with(lower(http.request.uri.path), "/readyz")'],
      [
        "challenge_sensitive_paths",
        "managed_challenge",
        'starts_with(lower(http.request.uri.path), "/admin") or starts_with(lower(http.request.uri.path), "/api/admin")',
      ],
    ]);
  });

  it("keeps a country's rule identical when another is added or removed", () => {
    const alone = byRef(customWafRules(["KP"], SENSITIVE), geoBanRef("KP"));
    expect(byRef(rules, "geo_ban_kp")).toEqual(alone);
  });

  it("declares a repeated code once", () => {
    expect(customWafRules(["KP", "KP"], SENSITIVE).filter((r) => r.ref === "geo_ban_kp")).toHaveLength(1);
    expect(customRuleCount(["KP", "KP", "IR"])).toBe(5);
  });

  it.each(Object.keys(FRENCH_TERRITORIES))("refuses to ban %s", (code) => {
    expect(() => customWafRules(["KP", code], SENSITIVE)).toThrow(/must not be France or a French overseas territory/);
  });

  it.each(["kp", "EU", "XX", "T1", ""])("refuses the non-ISO code %j", (code) => {
    expect(() => customWafRules([code], SENSITIVE)).toThrow(/ISO 3166-1/);
  });

  it("never blocks a visitor from France or a French territory on the app's routes", () => {
    const many = customWafRules(["KP", "IR", "RU", "CN", "BY", "SY"], SENSITIVE);
    const blocking = many.filter((r) => r.action === "block");
    expect(blocking.map((r) => r.ref)).toEqual(["geo_ban_kp", "geo_ban_ir", "geo_ban_ru", "geo_ban_cn", "geo_ban_by", "geo_ban_sy", "block_scanner_probes", "block_internal_paths"]);
    for (const country of Object.keys(FRENCH_TERRITORIES)) {
      for (const path of APP_PATHS) {
        for (const r of blocking) expect({ ref: r.ref, country, path, hit: matches(text(r), { method: "GET", path, country }) }).toMatchObject({ hit: false });
      }
    }
  });

  it("blocks a banned country everywhere, and only it", () => {
    const ban = byRef(rules, "geo_ban_kp");
    expect(matches(text(ban), { method: "GET", path: "/", country: "KP" })).toBe(true);
    expect(matches(text(ban), { method: "POST", path: "/api/volunteers", country: "KP" })).toBe(true);
    expect(matches(text(ban), { method: "GET", path: "/", country: "KR" })).toBe(false);
  });

  it.each([
    ["/wp-admin/install.php", true],
    ["/WP-LOGIN.php", true],
    ["/blog/wp-content/plugins/x.php", true],
    ["/xmlrpc.php", true],
    ["/.env", true],
    ["/app/.env.production", true],
    ["/.git/config", true],
    ["/phpMyAdmin/index.php", true],
    ["/cgi-bin/luci", true],
    ["/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", true],
    ["/actuator/health", true],
    ...APP_PATHS.map((p) => [p, false] as [string, boolean]),
    ["/.well-known/acme-challenge/token", false],
    ["/missions?q=wordpress", false],
  ])("probe block on %s: %s", (path, blocked) => {
    expect(matches(text(byRef(rules, "block_scanner_probes")), { method: "GET", path })).toBe(blocked);
  });

  it.each([
    ["/readyz", true],
    ["/READYZ", true],
    ["/readyz/", true],
    ["/readyz?full=1", true],
    ["/healthz", false],
    ["/ready", false],
    ...APP_PATHS.map((p) => [p, false] as [string, boolean]),
  ])("internal-path block on %s: %s", (path, blocked) => {
    expect(matches(text(byRef(rules, "block_internal_paths")), { method: "GET", path: path.split("?")[0]! })).toBe(blocked);
  });

  it.each([
    ["/admin", true],
    ["/admin/organizations", true],
    ["/ADMIN", true],
    ["/api/admin/organizations/7/validate", true],
    ["/Api/Admin/x", true],
    ["/", false],
    ["/api/missions", false],
    ["/administration-publique", true], // a prefix: anything starting /admin is challenged
  ])("challenge on %s: %s", (path, challenged) => {
    expect(matches(text(byRef(rules, "challenge_sensitive_paths")), { method: "GET", path })).toBe(challenged);
  });
});

describe("rate limits", () => {
  it.each(CLOUDFLARE_PLANS)("%s: two rules keyed by purpose, per IP and data centre, thresholds from config", (plan) => {
    const rules = rateLimitRules(plan, LIMITS);
    expect(rules.map((r) => r.ref)).toEqual(["rate_limit_signup", "rate_limit_api_writes"]);
    for (const r of rules) {
      expect(r.action).toBe("block");
      expect(r.ratelimit?.characteristics).toEqual(["cf.colo.id", "ip.src"]);
    }
    expect(rules[0].ratelimit).toMatchObject({ period: 60, requestsPerPeriod: 120, mitigationTimeout: 600 });
    expect(rules[1].ratelimit).toMatchObject({ period: 60, requestsPerPeriod: 300, mitigationTimeout: 600 });
    if (PLAN_LIMITS[plan].customBlockResponse) expect(rules[0].actionParameters).toEqual({ response: RATE_LIMITED_RESPONSE });
    else expect(rules[0].actionParameters).toBeUndefined();
  });

  it("writes the expected expressions on Pro (no method field: write-only endpoints)", () => {
    const [signup, api] = rateLimitRules("pro", LIMITS).map(text);
    expect(signup).toBe('starts_with(http.request.uri.path, "/api/volunteers")');
    expect(api).toBe(
      'starts_with(http.request.uri.path, "/api/") and not (http.request.uri.path eq "/api/missions" or (starts_with(http.request.uri.path, "/api/missions/") and not ends_with(http.request.uri.path, "/applications"))) and not starts_with(http.request.uri.path, "/api/volunteers")',
    );
    expect(signup + api).not.toContain("http.request.method");
  });

  it("writes the expected expressions on Business (method field available)", () => {
    const [signup, api] = rateLimitRules("business", LIMITS).map(text);
    expect(signup).toBe('starts_with(http.request.uri.path, "/api/volunteers") and http.request.method in {"POST" "PUT" "PATCH" "DELETE"}');
    expect(api).toBe(
      'starts_with(http.request.uri.path, "/api/") and http.request.method in {"POST" "PUT" "PATCH" "DELETE"} and not starts_with(http.request.uri.path, "/api/volunteers")',
    );
  });

  it.each(CLOUDFLARE_PLANS)("%s: counts signups and API writes, never a public read, each in one counter", (plan) => {
    const [signup, api] = rateLimitRules(plan, LIMITS).map(text);
    const cases: [string, string, "signup" | "api" | "none"][] = [
      ["POST", "/api/volunteers", "signup"],
      ["POST", "/api/missions/5b7c1d2e/applications", "api"],
      ["POST", "/api/organizations", "api"],
      ["POST", "/api/organizations/7/missions", "api"],
      ["POST", "/api/admin/organizations/7/validate", "api"],
      ["DELETE", "/api/organizations/7", "api"],
      ["GET", "/api/missions", "none"],
      ["GET", "/api/missions/5b7c1d2e", "none"],
      ["GET", "/", "none"],
      ["GET", "/missions/5b7c1d2e", "none"],
      ["GET", "/signup", "none"],
      ["GET", "/assets/app.3f9a1c0d2e.css", "none"],
    ];
    for (const [method, path, counter] of cases) {
      const req = { method, path };
      expect({ method, path, signup: matches(signup, req), api: matches(api, req) }).toEqual({
        method,
        path,
        signup: counter === "signup",
        api: counter === "api",
      });
    }
  });

  it("on Business, a read of a write endpoint is not counted", () => {
    const [signup, api] = rateLimitRules("business", LIMITS).map(text);
    expect(matches(signup, { method: "GET", path: "/api/volunteers" })).toBe(false);
    expect(matches(api, { method: "GET", path: "/api/organizations" })).toBe(false);
  });
});

describe("cache rules", () => {
  const rules = cacheRules("pro", SENSITIVE);

  it("writes the expected rules, eligible ones first, exclusions last", () => {
    expect(rules.map((r) => [r.ref, r.action, text(r), r.actionParameters])).toEqual([
      [
        "origin_decides_hashed_assets",
        "set_cache_settings",
        'http.request.method in {"GET" "HEAD"} and http.cookie eq "" and not any(http.request.headers["authorization"][*] ne "") and starts_with(http.request.uri.path, "/assets/")',
        { cache: true, edgeTtl: { mode: "respect_origin" }, browserTtl: { mode: "respect_origin" } },
      ],
      [
        "origin_decides_public_reads",
        "set_cache_settings",
        'http.request.method in {"GET" "HEAD"} and http.cookie eq "" and not any(http.request.headers["authorization"][*] ne "") and not starts_with(http.request.uri.path, "/assets/")',
        { cache: true, edgeTtl: { mode: "bypass_by_default" }, browserTtl: { mode: "respect_origin" } },
      ],
      ["no_cache_writes", "set_cache_settings", 'not http.request.method in {"GET" "HEAD"}', { cache: false }],
      [
        "no_cache_api_writes",
        "set_cache_settings",
        'starts_with(http.request.uri.path, "/api/") and not (http.request.uri.path eq "/api/missions" or (starts_with(http.request.uri.path, "/api/missions/") and not ends_with(http.request.uri.path, "/applications")))',
        { cache: false },
      ],
      [
        "no_cache_sensitive_paths",
        "set_cache_settings",
        'starts_with(lower(http.request.uri.path), "/admin") or starts_with(lower(http.request.uri.path), "/api/admin")',
        { cache: false },
      ],
    ]);
  });

  it("by construction: every cache-eligible rule requires GET/HEAD, no cookie and no Authorization, and comes before every exclusion", () => {
    const readOnly = isIn("http.request.method", ["GET", "HEAD"]);
    const noCookie = eq("http.cookie", "");
    const noAuthorization = not(hasHeader("authorization"));
    const lastEligible = rules.map((r) => r.actionParameters?.cache).lastIndexOf(true);
    rules.forEach((r, i) => {
      if (r.actionParameters?.cache === true) {
        const parsed = parse(text(r));
        expect(parsed.op).toBe("and");
        expect((parsed as Extract<Expr, { items: Expr[] }>).items).toEqual(expect.arrayContaining([readOnly, noCookie, noAuthorization]));
        expect(r.actionParameters.edgeTtl?.mode).toMatch(/^(respect_origin|bypass_by_default)$/);
        expect(r.actionParameters.browserTtl).toEqual({ mode: "respect_origin" });
      } else {
        expect(r.actionParameters).toEqual({ cache: false });
        expect(i).toBeGreaterThan(lastEligible);
      }
    });
  });

  // "Origin Cache Control (Enterprise-only) [...] Free, Pro, and Business customers have this option enabled
  // by default and cannot disable it." https://developers.cloudflare.com/cache/how-to/cache-rules/settings/#origin-cache-control-enterprise-only
  it.each([
    ["free", false],
    ["pro", false],
    ["business", false],
    ["enterprise", true],
  ] as const)("on %s, sends originCacheControl: %p, and the same TTL modes", (plan, sent) => {
    const eligible = cacheRules(plan, SENSITIVE).filter((r) => r.actionParameters?.cache === true);
    expect(eligible.map((r) => [r.ref, r.actionParameters])).toEqual([
      ["origin_decides_hashed_assets", { cache: true, ...(sent ? { originCacheControl: true } : {}), edgeTtl: { mode: "respect_origin" }, browserTtl: { mode: "respect_origin" } }],
      ["origin_decides_public_reads", { cache: true, ...(sent ? { originCacheControl: true } : {}), edgeTtl: { mode: "bypass_by_default" }, browserTtl: { mode: "respect_origin" } }],
    ]);
    // What reaches the provider: the key is absent, not false (false would ask a non-Enterprise zone for the setting).
    for (const r of eligible) expect("originCacheControl" in ((toRulesetRule(r).actionParameters as Record<string, unknown> | undefined) ?? {})).toBe(sent);
  });

  /** Cache eligibility after every matching rule applied in order (a later rule overrides an earlier one). */
  function eligibility(req: SampleRequest): boolean | undefined {
    let cache: boolean | undefined;
    for (const r of rules) if (matches(text(r), req) && r.actionParameters?.cache !== undefined) cache = r.actionParameters.cache;
    return cache;
  }

  it(`never makes a write, an /api/ write path, a sensitive path, a cookie-bearing or a credentialed request cache-eligible (${GRID.length} requests)`, () => {
    const offenders = GRID.filter(
      (req) =>
        (isWrite(req) || req.cookie !== "" || req.headers?.authorization !== "" || isApiWritePath(req.path) || isSensitive(req.path)) &&
        eligibility(req) === true,
    );
    expect(offenders).toEqual([]);
  });

  it("sets every write and every /api/ write path explicitly to cache: false", () => {
    const notExplicit = GRID.filter((req) => (isWrite(req) || isApiWritePath(req.path)) && eligibility(req) !== false);
    expect(notExplicit).toEqual([]);
  });

  it.each([
    ["/assets/app.3f9a1c0d2e.css", "respect_origin"],
    ["/", "bypass_by_default"],
    ["/missions/5b7c1d2e", "bypass_by_default"],
    ["/api/missions", "bypass_by_default"],
    ["/api/missions/5b7c1d2e", "bypass_by_default"],
  ])("lets the origin decide for GET %s without cookies (edge TTL %s)", (path, mode) => {
    const req = { method: "GET", path, cookie: "" };
    expect(eligibility(req)).toBe(true);
    const last = rules.filter((r) => r.actionParameters?.cache === true && matches(text(r), req)).pop();
    expect(last?.actionParameters?.edgeTtl?.mode).toBe(mode);
  });
});

describe("all rulesets", () => {
  it.each(CLOUDFLARE_PLANS)("%s: one ruleset per phase; refs unique, lower snake case; expressions parse back to themselves", (plan) => {
    const sets = edgeRulesets(input({ plan, owaspCore: plan !== "free", geoBans: ["KP", "IR", "SY"] }));
    expect(sets.map((s) => s.phase)).toEqual(RULESETS.map((r) => r.phase));
    expect(new Set(sets.map((s) => s.phase)).size).toBe(4);
    for (const set of sets) {
      expect([set.phase, set.rules.length > 0]).toEqual([set.phase, true]);
      const refs = set.rules.map((r) => r.ref);
      expect(new Set(refs).size).toBe(refs.length);
      for (const r of set.rules) {
        expect(r.ref).toMatch(/^[a-z0-9_]+$/);
        const rendered = toRulesetRule(r);
        expect(rendered.enabled).toBe(true);
        expect(parse(rendered.expression as string)).toEqual(r.expression);
        expect(render(r.expression)).toBe(rendered.expression);
      }
    }
  });

  it("stays under 4,096 characters per expression with the most geo bans Pro allows", () => {
    const codes = ["KP", "IR", "SY", "CU", "RU", "BY", "CN", "VE", "MM", "AF", "IQ", "LY", "SD", "SO", "YE", "ER", "ZW"];
    expect(customRuleCount(codes)).toBe(PLAN_LIMITS.pro.customRules);
    const sets = edgeRulesets(input({ geoBans: codes }));
    expect(sets.flatMap((s) => s.rules).filter((r) => r.ref.startsWith("geo_ban_"))).toHaveLength(codes.length);
    for (const set of sets) {
      for (const r of set.rules) expect((toRulesetRule(r).expression as string).length).toBeLessThanOrEqual(4096);
    }
  });
});
