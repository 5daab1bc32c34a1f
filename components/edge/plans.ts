/**
 * What each Cloudflare plan allows, for the features the edge declares. Checked at config time so a
 * stack asking for more than its plan fails with a message instead of an API error halfway through
 * `pulumi up`.
 * - Rate limiting rules by plan: https://developers.cloudflare.com/waf/rate-limiting-rules/#availability
 * - WAF custom rules by plan: https://developers.cloudflare.com/waf/custom-rules/#availability
 * - Managed rulesets by plan: https://developers.cloudflare.com/waf/managed-rules/#availability
 * - Cache rule settings by plan: https://developers.cloudflare.com/cache/how-to/cache-rules/settings/
 */

import { RATE_LIMIT_PLAN_LIMITS, SUPPORTED_RATE_LIMIT_PERIODS } from "../../data/cloudflare-rate-limits";

export const CLOUDFLARE_PLANS = ["free", "pro", "business", "enterprise"] as const;
export type CloudflarePlan = (typeof CLOUDFLARE_PLANS)[number];

export interface PlanLimits {
  /** Rules in the zone's `http_request_firewall_custom` entry point. */
  customRules: number;
  /** Rules in the zone's `http_ratelimit` entry point. */
  rateLimitRules: number;
  /** Longest counting period, seconds. */
  maxRateLimitPeriod: number;
  /** Longest mitigation timeout, seconds. */
  maxMitigationTimeout: number;
  /** Whether rate limiting expressions may use `http.request.method` (Business and up). */
  rateLimitByMethod: boolean;
  /** Whether the Cloudflare Managed Ruleset and the OWASP Core Ruleset are available (Pro and up). */
  fullManagedRulesets: boolean;
  /**
   * Whether rate-limit block actions get a custom response body. The docs describe the response fields
   * without a plan table; Free is kept on Cloudflare's default 429 page, the conservative choice.
   * https://developers.cloudflare.com/waf/rate-limiting-rules/parameters/#then-take-action
   */
  customBlockResponse: boolean;
  /**
   * Whether a cache rule may set `origin_cache_control`. The setting is "Origin Cache Control
   * (Enterprise-only)": "Free, Pro, and Business customers have this option enabled by default and cannot
   * disable it" (https://developers.cloudflare.com/cache/how-to/cache-rules/settings/#origin-cache-control-enterprise-only,
   * https://developers.cloudflare.com/cache/concepts/cache-control/). Below Enterprise the rule leaves it
   * out and gets the same behaviour.
   */
  cacheRuleOriginCacheControl: boolean;
}

export const PLAN_LIMITS: Readonly<Record<CloudflarePlan, PlanLimits>> = {
  free: {
    customRules: 5,
    rateLimitRules: RATE_LIMIT_PLAN_LIMITS.free.rules,
    maxRateLimitPeriod: RATE_LIMIT_PLAN_LIMITS.free.maxPeriod,
    maxMitigationTimeout: RATE_LIMIT_PLAN_LIMITS.free.maxMitigationTimeout,
    rateLimitByMethod: false,
    fullManagedRulesets: false,
    customBlockResponse: false,
    cacheRuleOriginCacheControl: false,
  },
  pro: {
    customRules: 20,
    rateLimitRules: RATE_LIMIT_PLAN_LIMITS.pro.rules,
    maxRateLimitPeriod: RATE_LIMIT_PLAN_LIMITS.pro.maxPeriod,
    maxMitigationTimeout: RATE_LIMIT_PLAN_LIMITS.pro.maxMitigationTimeout,
    rateLimitByMethod: false,
    fullManagedRulesets: true,
    customBlockResponse: true,
    cacheRuleOriginCacheControl: false,
  },
  business: {
    customRules: 100,
    rateLimitRules: RATE_LIMIT_PLAN_LIMITS.business.rules,
    maxRateLimitPeriod: RATE_LIMIT_PLAN_LIMITS.business.maxPeriod,
    maxMitigationTimeout: RATE_LIMIT_PLAN_LIMITS.business.maxMitigationTimeout,
    rateLimitByMethod: true,
    fullManagedRulesets: true,
    customBlockResponse: true,
    cacheRuleOriginCacheControl: false,
  },
  enterprise: {
    customRules: 1000,
    rateLimitRules: RATE_LIMIT_PLAN_LIMITS.enterprise.rules,
    maxRateLimitPeriod: RATE_LIMIT_PLAN_LIMITS.enterprise.maxPeriod,
    maxMitigationTimeout: RATE_LIMIT_PLAN_LIMITS.enterprise.maxMitigationTimeout,
    rateLimitByMethod: true,
    fullManagedRulesets: true,
    customBlockResponse: true,
    cacheRuleOriginCacheControl: true,
  },
};

/** Counting periods and mitigation timeouts the API accepts, seconds (plans then cap them); data/cloudflare-rate-limits.ts. */
export const RATE_LIMIT_DURATIONS: readonly number[] = SUPPORTED_RATE_LIMIT_PERIODS;

/** Ids of the managed rulesets the zone's managed WAF entry point executes. */
export const MANAGED_RULESETS = {
  /** Cloudflare Managed Ruleset (Pro and up). https://developers.cloudflare.com/waf/managed-rules/reference/cloudflare-managed-ruleset/ */
  cloudflare: "efb7b8c949ac4650a09736fc376e9aee",
  /** Cloudflare OWASP Core Ruleset (Pro and up). https://developers.cloudflare.com/waf/managed-rules/reference/owasp-core-ruleset/ */
  owasp: "4814384a9e5d4991b9815dcfc25d2f1f",
  /** Cloudflare Free Managed Ruleset (every plan; the only one on Free). https://developers.cloudflare.com/waf/managed-rules/#free-managed-ruleset */
  free: "77454fe2d30c4220b5701f6fdfb893ba",
} as const;
