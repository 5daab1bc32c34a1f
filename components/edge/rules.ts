/**
 * The zone's rulesets as plain data: one entry point per phase, every rule with a stable `ref` so a
 * reorder or an insertion never rewrites the other rules' identity in Cloudflare.
 * Ruleset engine phases: https://developers.cloudflare.com/ruleset-engine/reference/phases-list/
 *
 * The app's routes these rules know about (see app/ and its issue):
 * - public reads: `GET /`, `/missions`, `/missions/:id`, `/signup`, `GET /api/missions`, `GET /api/missions/:id`,
 *   hashed assets under `/assets/`;
 * - writes: `POST /api/volunteers` (signup), `POST /api/missions/:id/applications`, `POST /api/organizations`,
 *   `POST /api/organizations/:id/missions`, `POST /api/admin/...`.
 */
import type * as cloudflare from "@pulumi/cloudflare";
import { geoBanProblem } from "./countries";
import {
  always,
  and,
  contains,
  endsWith,
  eq,
  ExpressionError,
  hasHeader,
  isIn,
  lower,
  not,
  or,
  render,
  startsWith,
  type Expr,
} from "./expressions";
import { MANAGED_RULESETS, PLAN_LIMITS, type CloudflarePlan } from "./plans";

// ---------------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------------

export type RuleAction = "block" | "managed_challenge" | "execute" | "set_cache_settings";

/** The action parameters these rules use (a plain subset of the provider's RulesetRuleActionParameters). */
export interface ActionParameters {
  /** `execute`: id of the managed ruleset. */
  id?: string;
  /** `block`: a custom response. */
  response?: { statusCode: number; contentType: string; content: string };
  /** `set_cache_settings`: whether the request is eligible for caching. */
  cache?: boolean;
  originCacheControl?: boolean;
  edgeTtl?: { mode: "respect_origin" | "bypass_by_default" };
  browserTtl?: { mode: "respect_origin" };
}

export interface RateLimitParameters {
  characteristics: string[];
  period: number;
  requestsPerPeriod: number;
  mitigationTimeout: number;
}

export interface RuleSpec {
  /** Stable identity of the rule inside its ruleset (lower snake case). */
  ref: string;
  description: string;
  expression: Expr;
  action: RuleAction;
  actionParameters?: ActionParameters;
  ratelimit?: RateLimitParameters;
}

export type Phase =
  | "http_request_firewall_managed"
  | "http_request_firewall_custom"
  | "http_ratelimit"
  | "http_request_cache_settings";

export interface RulesetSpec {
  /** Stable key of the Pulumi resource (`${component}-<key>`). */
  key: string;
  phase: Phase;
  name: string;
  description: string;
  rules: RuleSpec[];
}

export interface RateLimit {
  requestsPerPeriod: number;
  periodSeconds: number;
  mitigationTimeoutSeconds: number;
}

export interface EdgeRulesInput {
  plan: CloudflarePlan;
  /** Execute the OWASP Core Ruleset (Pro and up). */
  owaspCore: boolean;
  /** ISO codes whose traffic is blocked. */
  geoBans: readonly string[];
  /** Path prefixes behind a managed challenge and never cached. */
  sensitivePaths: readonly string[];
  rateLimits: { signup: RateLimit; apiWrites: RateLimit };
}

// ---------------------------------------------------------------------------------------------------
// Shared predicates
// ---------------------------------------------------------------------------------------------------

const PATH = "http.request.uri.path" as const;
const METHOD = "http.request.method" as const;

/** Methods that never change data; everything else is a write. */
export const READ_METHODS = ["GET", "HEAD"] as const;
export const WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;

/** The signup endpoint (`POST /api/volunteers`); the app serves no read there. */
export const SIGNUP_PATH = "/api/volunteers";
export const API_PREFIX = "/api/";
/** Hashed, immutable assets (`/assets/app.<hash>.css`). */
export const ASSETS_PREFIX = "/assets/";

const isRead = (): Expr => isIn(METHOD, READ_METHODS);
const isWriteMethod = (): Expr => isIn(METHOD, WRITE_METHODS);
const isSignupPath = (): Expr => startsWith(PATH, SIGNUP_PATH);
const isApiPath = (): Expr => startsWith(PATH, API_PREFIX);
/** No `Cookie` header: a cookie can carry a session, so a cookie-bearing request is never made cache-eligible. */
const hasNoCookie = (): Expr => eq("http.cookie", "");
/** No `Authorization` header: a credentialed request is never made cache-eligible either. */
const hasNoAuthorization = (): Expr => not(hasHeader("authorization"));

/**
 * The public, read-only API endpoints (`/api/missions`, `/api/missions/:id`). Everything else under
 * /api/ may change data: default-deny, so a new write endpoint is rate-limited and uncached without
 * touching these rules.
 */
const isPublicApiRead = (): Expr =>
  or(eq(PATH, "/api/missions"), and(startsWith(PATH, "/api/missions/"), not(endsWith(PATH, "/applications"))));

/** An /api/ path that may change data, whatever the method. */
const isApiWritePath = (): Expr => and(isApiPath(), not(isPublicApiRead()));

function isSensitive(paths: readonly string[]): Expr {
  if (paths.length === 0) throw new ExpressionError("sensitive paths must not be empty");
  return or(...paths.map((p) => startsWith(lower(PATH), p.toLowerCase())));
}

// ---------------------------------------------------------------------------------------------------
// Managed WAF
// ---------------------------------------------------------------------------------------------------

/**
 * `http_request_firewall_managed`: execute the managed rulesets the plan includes. Naming a ruleset the
 * zone is not entitled to makes Cloudflare reject the whole entry point, so the Free plan gets the Free
 * Managed Ruleset only. https://developers.cloudflare.com/waf/managed-rules/deploy-zone-dashboard/
 */
export function managedWafRules(plan: CloudflarePlan, owaspCore: boolean): RuleSpec[] {
  if (!PLAN_LIMITS[plan].fullManagedRulesets) {
    return [
      {
        ref: "execute_free_managed",
        description: "Cloudflare Free Managed Ruleset (high-impact vulnerabilities)",
        expression: always,
        action: "execute",
        actionParameters: { id: MANAGED_RULESETS.free },
      },
    ];
  }
  const rules: RuleSpec[] = [
    {
      ref: "execute_cloudflare_managed",
      description: "Cloudflare Managed Ruleset",
      expression: always,
      action: "execute",
      actionParameters: { id: MANAGED_RULESETS.cloudflare },
    },
  ];
  if (owaspCore) {
    rules.push({
      ref: "execute_owasp_core",
      description: "Cloudflare OWASP Core Ruleset (paranoia level 1, default anomaly threshold)",
      expression: always,
      action: "execute",
      actionParameters: { id: MANAGED_RULESETS.owasp },
    });
  }
  return rules;
}

// ---------------------------------------------------------------------------------------------------
// Custom WAF
// ---------------------------------------------------------------------------------------------------

/**
 * Path fragments only scanners ask for: WordPress, exposed VCS and env files, database consoles. None
 * is a route of the app; `/.well-known/` (ACME, security.txt) is deliberately absent.
 */
export const PROBE_PATH_FRAGMENTS: readonly string[] = [
  "/wp-admin",
  "/wp-login",
  "/wp-content",
  "/wp-includes",
  "/xmlrpc.php",
  "/.env",
  "/.git",
  "/.svn",
  "/.hg",
  "/.aws",
  "/.ssh",
  "/.htaccess",
  "/.htpasswd",
  "/.ds_store",
  "/phpmyadmin",
  "/server-status",
  "/cgi-bin/",
  "/vendor/phpunit",
  "/actuator",
];

/**
 * Paths only the load balancers may ask for: `/readyz` (readiness, through the app's admission control)
 * is for the backends' health checks on the private network, never for the internet. Matched on the
 * lower-cased path so `/READYZ` is caught as well; the load balancers' ACLs deny it again
 * (components/origin/acls.ts).
 */
export const INTERNAL_PATHS: readonly string[] = ["/readyz"];

/** Ref of the geo-ban rule for one ISO code: keyed by code, so adding a country never moves another. */
export function geoBanRef(code: string): string {
  return `geo_ban_${code.toLowerCase()}`;
}

/**
 * `http_request_firewall_custom`: one blocking rule per banned country, blocks for scanner probes and for
 * the internal paths, a managed challenge on sensitive paths. https://developers.cloudflare.com/waf/custom-rules/
 */
export function customWafRules(geoBans: readonly string[], sensitivePaths: readonly string[]): RuleSpec[] {
  const rules: RuleSpec[] = [];
  const seen = new Set<string>();
  for (const code of geoBans) {
    const problem = geoBanProblem(code);
    if (problem) throw new ExpressionError(`geo ban ${JSON.stringify(code)} ${problem}`);
    if (seen.has(code)) continue;
    seen.add(code);
    rules.push({
      ref: geoBanRef(code),
      description: `Geo ban: block every request from ${code}`,
      expression: isIn("ip.src.country", [code]),
      action: "block",
    });
  }
  rules.push({
    ref: "block_scanner_probes",
    description: "Block paths only vulnerability scanners request (WordPress, .env, .git, database consoles)",
    expression: or(...PROBE_PATH_FRAGMENTS.map((f) => contains(lower(PATH), f))),
    action: "block",
  });
  rules.push({
    ref: "block_internal_paths",
    description: "Block paths only the load balancers ask for (/readyz)",
    expression: or(...INTERNAL_PATHS.map((p) => startsWith(lower(PATH), p))),
    action: "block",
  });
  rules.push({
    ref: "challenge_sensitive_paths",
    description: "Managed challenge on admin and other sensitive paths",
    expression: isSensitive(sensitivePaths),
    action: "managed_challenge",
  });
  return rules;
}

// ---------------------------------------------------------------------------------------------------
// Rate limiting
// ---------------------------------------------------------------------------------------------------

/**
 * Counting key: per visitor IP, per Cloudflare data centre. `cf.colo.id` is mandatory in zone rate
 * limiting rules. https://developers.cloudflare.com/waf/rate-limiting-rules/parameters/#with-the-same-characteristics
 */
export const RATE_LIMIT_CHARACTERISTICS = ["cf.colo.id", "ip.src"];

/** What a visitor over the limit gets: the app's client script shows "Trop de tentatives" for this body. */
export const RATE_LIMITED_RESPONSE = { statusCode: 429, contentType: "application/json", content: '{"error":"rate_limited"}' };

function rateLimitRule(ref: string, description: string, expression: Expr, limit: RateLimit, plan: CloudflarePlan): RuleSpec {
  return {
    ref,
    description,
    expression,
    action: "block",
    ...(PLAN_LIMITS[plan].customBlockResponse ? { actionParameters: { response: RATE_LIMITED_RESPONSE } } : {}),
    ratelimit: {
      characteristics: [...RATE_LIMIT_CHARACTERISTICS],
      period: limit.periodSeconds,
      requestsPerPeriod: limit.requestsPerPeriod,
      mitigationTimeout: limit.mitigationTimeoutSeconds,
    },
  };
}

/**
 * `http_ratelimit`: per-visitor limits that count writes only. Business and up can test the method in the
 * expression; Free and Pro cannot (only path-like fields), so there the expressions select endpoints that
 * only accept writes: the signup endpoint, and every /api/ path except the public read endpoints.
 * https://developers.cloudflare.com/waf/rate-limiting-rules/#availability
 */
export function rateLimitRules(plan: CloudflarePlan, limits: EdgeRulesInput["rateLimits"]): RuleSpec[] {
  const byMethod = PLAN_LIMITS[plan].rateLimitByMethod;
  const signup = byMethod ? and(isSignupPath(), isWriteMethod()) : isSignupPath();
  const apiWrites = byMethod
    ? and(isApiPath(), isWriteMethod(), not(isSignupPath()))
    : and(isApiWritePath(), not(isSignupPath()));
  return [
    rateLimitRule("rate_limit_signup", "Volunteer signups per visitor IP and data centre", signup, limits.signup, plan),
    rateLimitRule("rate_limit_api_writes", "Other API writes per visitor IP and data centre", apiWrites, limits.apiWrites, plan),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Cache rules
// ---------------------------------------------------------------------------------------------------

/**
 * Cache-eligible, with the origin's Cache-Control deciding what is stored and for how long. Strict
 * adherence to the origin's Cache-Control (`origin_cache_control`) is a setting on Enterprise only; on
 * Free, Pro and Business it is always on and cannot be set, so the rule leaves it out there.
 * https://developers.cloudflare.com/cache/how-to/cache-rules/settings/#origin-cache-control-enterprise-only
 */
function originDecides(plan: CloudflarePlan, edgeMode: "respect_origin" | "bypass_by_default"): ActionParameters {
  return {
    cache: true,
    ...(PLAN_LIMITS[plan].cacheRuleOriginCacheControl ? { originCacheControl: true } : {}),
    edgeTtl: { mode: edgeMode },
    browserTtl: { mode: "respect_origin" },
  };
}

const NOT_CACHED: ActionParameters = { cache: false };

/**
 * `http_request_cache_settings`. When several cache rules match, each later rule overrides the settings
 * of the earlier ones (https://developers.cloudflare.com/cache/how-to/cache-rules/order/), so:
 * 1. reads without cookies or credentials become eligible, the origin's `Cache-Control` deciding
 *    (RFC 9111 semantics: always on below Enterprise, `originCacheControl` on Enterprise): hashed assets
 *    with `respect_origin`, everything else with
 *    `bypass_by_default`, so a page the origin sent without `Cache-Control` is never stored on Cloudflare's
 *    default TTLs;
 * 2. then writes, /api/ paths that may change data and sensitive paths are set `cache: false`, last, so no
 *    earlier rule can win over them.
 */
export function cacheRules(plan: CloudflarePlan, sensitivePaths: readonly string[]): RuleSpec[] {
  return [
    {
      ref: "origin_decides_hashed_assets",
      description: "Hashed assets: cache-eligible, the origin's Cache-Control (immutable) decides",
      expression: and(isRead(), hasNoCookie(), hasNoAuthorization(), startsWith(PATH, ASSETS_PREFIX)),
      action: "set_cache_settings",
      actionParameters: originDecides(plan, "respect_origin"),
    },
    {
      ref: "origin_decides_public_reads",
      description: "Pages and public API reads without cookies: cached only when the origin's Cache-Control allows it",
      expression: and(isRead(), hasNoCookie(), hasNoAuthorization(), not(startsWith(PATH, ASSETS_PREFIX))),
      action: "set_cache_settings",
      actionParameters: originDecides(plan, "bypass_by_default"),
    },
    {
      ref: "no_cache_writes",
      description: "Writes (every method but GET and HEAD) are never cache-eligible",
      expression: not(isRead()),
      action: "set_cache_settings",
      actionParameters: NOT_CACHED,
    },
    {
      ref: "no_cache_api_writes",
      description: "API paths that may change data are never cache-eligible, whatever the method",
      expression: isApiWritePath(),
      action: "set_cache_settings",
      actionParameters: NOT_CACHED,
    },
    {
      ref: "no_cache_sensitive_paths",
      description: "Admin and other sensitive paths are never cache-eligible",
      expression: isSensitive(sensitivePaths),
      action: "set_cache_settings",
      actionParameters: NOT_CACHED,
    },
  ];
}

// ---------------------------------------------------------------------------------------------------
// All rulesets
// ---------------------------------------------------------------------------------------------------

/** The zone entry-point rulesets the edge owns, in a fixed order: one per phase (Cloudflare allows one per zone and phase). */
export const RULESETS: readonly Omit<RulesetSpec, "rules">[] = [
  { key: "waf-managed", phase: "http_request_firewall_managed", name: "Renfort managed WAF", description: "Managed rulesets executed for every request" },
  { key: "waf-custom", phase: "http_request_firewall_custom", name: "Renfort custom WAF", description: "Geo bans, scanner probes, sensitive paths" },
  { key: "rate-limits", phase: "http_ratelimit", name: "Renfort rate limits", description: "Per-visitor limits on signup and API writes" },
  {
    key: "cache-rules",
    phase: "http_request_cache_settings",
    name: "Renfort cache rules",
    description: "The origin's Cache-Control decides; writes, API writes and sensitive paths are never cached",
  },
];

/** The rules of one phase. */
export function rulesForPhase(phase: Phase, input: EdgeRulesInput): RuleSpec[] {
  switch (phase) {
    case "http_request_firewall_managed":
      return managedWafRules(input.plan, input.owaspCore);
    case "http_request_firewall_custom":
      return customWafRules(input.geoBans, input.sensitivePaths);
    case "http_ratelimit":
      return rateLimitRules(input.plan, input.rateLimits);
    case "http_request_cache_settings":
      return cacheRules(input.plan, input.sensitivePaths);
  }
}

/** Every zone entry-point ruleset of the edge with its rules. */
export function edgeRulesets(input: EdgeRulesInput): RulesetSpec[] {
  return RULESETS.map((r) => ({ ...r, rules: rulesForPhase(r.phase, input) }));
}

/** Rules the custom WAF entry point holds for these geo bans (one per distinct code, plus probes and challenge). */
export function customRuleCount(geoBans: readonly string[]): number {
  return new Set(geoBans).size + 3;
}

/** The provider's rule shape, with the expression rendered (and validated). */
export function toRulesetRule(rule: RuleSpec): cloudflare.types.input.RulesetRule {
  return {
    ref: rule.ref,
    description: rule.description,
    expression: render(rule.expression),
    action: rule.action,
    enabled: true,
    ...(rule.actionParameters ? { actionParameters: rule.actionParameters } : {}),
    ...(rule.ratelimit ? { ratelimit: rule.ratelimit } : {}),
  };
}
