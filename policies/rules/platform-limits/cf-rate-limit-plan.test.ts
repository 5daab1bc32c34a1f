import { cfRateLimitPlan as policy } from "./cf-rate-limit-plan";
import { ZONE_ID, urnOf } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";
import type { GateResource } from "../../lib/run";

const TYPE = "cloudflare:index/ruleset:Ruleset";
const rule = (ratelimit: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ref: "rate_limit_signup",
  action: "block",
  expression: '(http.request.uri.path eq "/api/signup")',
  ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 60, requestsPerPeriod: 120, mitigationTimeout: 600, ...ratelimit },
  ...extra,
});
const ruleset = (rules: unknown[], phase = "http_ratelimit"): GateResource => ({
  urn: urnOf(TYPE, "edge-rate-limits"),
  type: TYPE,
  name: "edge-rate-limits",
  props: { zoneId: ZONE_ID, kind: "zone", name: "Renfort rate limits", phase, rules },
  protect: false,
  dependencies: [],
});
const pro = { plan: "pro" };

describe("cf-rate-limit-plan", () => {
  test("passes for the program's Pro rules (two rules, IP per colo, 60 s, 600 s)", () => expectPass(policy, ruleset([rule({}), rule({}, { ref: "rate_limit_api_writes" })]), pro));
  test("ignores other phases", () => expectPass(policy, ruleset([rule({ period: 7 })], "http_request_firewall_custom"), pro));
  test("fails for a third rule on Pro", () => expectViolation(policy, ruleset([rule({}), rule({}), rule({})]), "3 rate limiting rules, the pro plan allows 2", pro));
  test("fails for a 120 s period on Pro", () => expectViolation(policy, ruleset([rule({ period: 120 })]), "period 120 s is over the pro plan's 60 s", pro));
  test("passes for a 120 s period on Business", () => expectPass(policy, ruleset([rule({ period: 120 })]), { plan: "business" }));
  test("fails for an unsupported period", () => expectViolation(policy, ruleset([rule({ period: 50 })]), "period 50 s is not a supported value", pro));
  test("fails for a one-day mitigation timeout on Pro", () => expectViolation(policy, ruleset([rule({ mitigationTimeout: 86400 })]), "mitigation_timeout 86400 s is over the pro plan's 3600 s", pro));
  test("fails for anything but 10 s on Free", () => expectViolation(policy, ruleset([rule({ period: 10, mitigationTimeout: 60 })]), "over the free plan's 10 s", { plan: "free" }));
  test("fails for a counting expression below Business", () =>
    expectViolation(policy, ruleset([rule({ countingExpression: "http.response.code eq 403" })]), "custom counting_expression is not available on the pro plan", pro));
  test("fails for an empty counting expression on Business (the provider refuses it)", () =>
    expectViolation(policy, ruleset([rule({ countingExpression: "" })]), "counting_expression is empty", { plan: "business" }));
  test("fails for IP with NAT support on Pro", () =>
    expectViolation(policy, ruleset([rule({ characteristics: ["cf.colo.id", "cf.unique_visitor_id"] })]), "cf.unique_visitor_id is not available on the pro plan", pro));
  test("fails for a header characteristic below Advanced Rate Limiting", () =>
    expectViolation(policy, ruleset([rule({ characteristics: ["cf.colo.id", 'http.request.headers["x-api-key"]'] })]), "is not available on the enterprise plan", { plan: "enterprise" }));
  test("fails without cf.colo.id", () => expectViolation(policy, ruleset([rule({ characteristics: ["ip.src"] })]), "must include cf.colo.id", pro));
  test("fails for IP and IP with NAT together", () =>
    expectViolation(policy, ruleset([rule({ characteristics: ["cf.colo.id", "ip.src", "cf.unique_visitor_id"] })]), "cannot be used together", { plan: "business" }));
  test("fails for a challenge with a duration below Enterprise", () =>
    expectViolation(policy, ruleset([rule({ mitigationTimeout: 600 }, { action: "managed_challenge" })]), "must set mitigation_timeout 0", pro));
  test("passes for a challenge with throttling on Pro", () => expectPass(policy, ruleset([rule({ mitigationTimeout: 0 }, { action: "managed_challenge" })]), pro));
  test("fails for block throttling below Enterprise", () => expectViolation(policy, ruleset([rule({ mitigationTimeout: 0 })]), "is Enterprise only", pro));
  test("fails for requests_to_origin with a custom list", () =>
    expectViolation(policy, ruleset([rule({ requestsToOrigin: true }, { expression: "ip.src in $office_ranges" })]), "set requests_to_origin false", { plan: "business" }));
  test("fails for an unknown plan in the policy config", () => expectViolation(policy, ruleset([rule({})]), "is not a Cloudflare plan", { plan: "gold" }));
  test("is undecided when the period is unknown", () => expectUndecided(policy, ruleset([rule({ period: UNKNOWN })]), pro));
});
