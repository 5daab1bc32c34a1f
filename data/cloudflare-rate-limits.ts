/**
 * What a Cloudflare zone's plan allows in rate limiting rules (the `http_ratelimit` phase): one copy, read by
 * the edge component (components/edge/plans.ts builds the rules within it) and by the policy pack
 * (`cf-rate-limit-plan`, an independent check of what the program declares).
 *
 * Verified in Cloudflare's documentation source (cloudflare/cloudflare-docs, read 2026-12-06):
 * - availability by plan (rules, characteristics, custom counting expression, counting periods, mitigation
 *   timeouts): src/content/partials/waf/rate-limiting-availability-by-plan.mdx, rendered at
 *   https://developers.cloudflare.com/waf/rate-limiting-rules/#availability
 * - parameters (API names, `cf.colo.id` mandatory, IP and IP-with-NAT incompatible, timeout 0 = throttling,
 *   required with challenge actions below Enterprise, Block throttling Enterprise only):
 *   https://developers.cloudflare.com/waf/rate-limiting-rules/parameters/
 * - terraform-provider-cloudflare v5 (internal/services/ruleset/schema.go): `characteristics` at least one,
 *   `counting_expression` at least one character, `requests_to_origin` defaults to false; no plan check, so
 *   a value the plan refuses fails only at the API, halfway through `pulumi up`.
 * "Enterprise" here is Enterprise with application security, without Advanced Rate Limiting (whose extra
 * characteristics are a separate purchase).
 */
export type RateLimitPlan = "free" | "pro" | "business" | "enterprise";

export interface RateLimitPlanLimits {
  /** Rules in the zone's `http_ratelimit` entry point. */
  rules: number;
  /** Counting characteristics besides the mandatory `cf.colo.id`. */
  characteristics: readonly string[];
  /** Whether `counting_expression` may be set. */
  countingExpression: boolean;
  /** Longest counting period, seconds (among SUPPORTED_RATE_LIMIT_PERIODS). */
  maxPeriod: number;
  /** Longest mitigation timeout, seconds (among SUPPORTED_RATE_LIMIT_PERIODS, or 0). */
  maxMitigationTimeout: number;
  /** Whether `mitigation_timeout: 0` (throttling) may go with the block action (Enterprise only). */
  blockThrottling: boolean;
}

export const RATE_LIMIT_PLAN_LIMITS: Readonly<Record<RateLimitPlan, RateLimitPlanLimits>> = {
  free: { rules: 1, characteristics: ["ip.src"], countingExpression: false, maxPeriod: 10, maxMitigationTimeout: 10, blockThrottling: false },
  pro: { rules: 2, characteristics: ["ip.src"], countingExpression: false, maxPeriod: 60, maxMitigationTimeout: 3600, blockThrottling: false },
  business: { rules: 5, characteristics: ["ip.src", "cf.unique_visitor_id"], countingExpression: true, maxPeriod: 600, maxMitigationTimeout: 86400, blockThrottling: false },
  enterprise: { rules: 100, characteristics: ["ip.src", "cf.unique_visitor_id"], countingExpression: true, maxPeriod: 65535, maxMitigationTimeout: 86400, blockThrottling: true },
};

/** The mandatory characteristic of every zone rate limiting rule. */
export const MANDATORY_CHARACTERISTIC = "cf.colo.id";

/** Period and mitigation timeout values the API accepts, seconds (each plan then caps them). */
export const SUPPORTED_RATE_LIMIT_PERIODS: readonly number[] = [
  10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400,
];

/** Actions that, below Enterprise, require `mitigation_timeout: 0` (request throttling). */
export const CHALLENGE_ACTIONS: readonly string[] = ["challenge", "js_challenge", "managed_challenge"];

export const RATE_LIMIT_DOCS = "https://developers.cloudflare.com/waf/rate-limiting-rules/#availability";
