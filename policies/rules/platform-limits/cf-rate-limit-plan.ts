import { resourcePolicy } from "../../lib/policy";
import { isUnknown, undecided } from "../../lib/unknown";
import { T, as, type RulesetProps } from "../../lib/types";
import {
  CHALLENGE_ACTIONS,
  MANDATORY_CHARACTERISTIC,
  RATE_LIMIT_DOCS,
  RATE_LIMIT_PLAN_LIMITS,
  SUPPORTED_RATE_LIMIT_PERIODS,
  type RateLimitPlan,
} from "../../../data/cloudflare-rate-limits";

export interface Config {
  /** The zone's Cloudflare plan (renfort:edge.plan of the stack; a test keeps the two equal). */
  plan: string;
}

const PLANS = Object.keys(RATE_LIMIT_PLAN_LIMITS);

/**
 * The provider validates none of this (terraform-provider-cloudflare v5 internal/services/ruleset/schema.go
 * only asks for one characteristic and a non-empty counting expression): the Rulesets API refuses a
 * rate limiting rule its zone's plan does not allow, halfway through `pulumi up`.
 */
export const cfRateLimitPlan = resourcePolicy<Config>(
  {
    name: "cf-rate-limit-plan",
    description: "Every Cloudflare rate limiting rule stays within its zone plan: rule count, counting characteristics, custom counting expression, counting period and mitigation timeout values, and requests_to_origin with custom lists.",
    severity: "high",
    remediationSteps:
      "Keep rate limiting rules within the plan's availability table: characteristics cf.colo.id plus ip.src (cf.unique_visitor_id from Business), no counting_expression below Business, a period and a mitigation timeout among the supported values and under the plan's ceiling (Pro: 60 s and 3600 s), mitigation_timeout 0 with challenge actions below Enterprise.",
    url: RATE_LIMIT_DOCS,
    configSchema: {
      properties: {
        plan: { type: "string", enum: PLANS, default: "free", description: "The zone's Cloudflare plan: free, pro, business or enterprise." },
      },
    },
  },
  T.cfRuleset,
  ({ props, config, report }) => {
    const p = as<RulesetProps>(props);
    if (isUnknown(p.phase)) undecided("phase of the ruleset is not known before deployment");
    if (p.phase !== "http_ratelimit") return;
    const plan = config.plan as RateLimitPlan;
    const limits = RATE_LIMIT_PLAN_LIMITS[plan];
    if (!limits) {
      report(`policy config plan ${JSON.stringify(config.plan)} is not a Cloudflare plan: use one of ${PLANS.join(", ")}.`);
      return;
    }
    if (isUnknown(p.rules)) undecided("rules of the ruleset are not known before deployment");
    const rules = (p.rules ?? []).filter((r) => r.ratelimit);
    if (rules.length > limits.rules) report(`${rules.length} rate limiting rules, the ${plan} plan allows ${limits.rules}.`);
    for (const r of rules) {
      const rl = r.ratelimit!;
      const name = `rule ${r.ref ?? r.description ?? "(unnamed)"}`;
      if (isUnknown(rl.characteristics)) undecided(`${name}: characteristics are not known before deployment`);
      const chars = rl.characteristics ?? [];
      if (!chars.includes(MANDATORY_CHARACTERISTIC)) report(`${name}: characteristics must include ${MANDATORY_CHARACTERISTIC} (mandatory in zone rate limiting rules).`);
      for (const c of chars.filter((c) => c !== MANDATORY_CHARACTERISTIC && !limits.characteristics.includes(c)))
        report(`${name}: the characteristic ${c} is not available on the ${plan} plan (allowed: ${[MANDATORY_CHARACTERISTIC, ...limits.characteristics].join(", ")}).`);
      if (chars.includes("ip.src") && chars.includes("cf.unique_visitor_id")) report(`${name}: ip.src and cf.unique_visitor_id cannot be used together.`);
      if (rl.countingExpression !== undefined && rl.countingExpression !== null) {
        if (!limits.countingExpression) report(`${name}: a custom counting_expression is not available on the ${plan} plan (Business and up): remove it.`);
        else if (rl.countingExpression === "") report(`${name}: counting_expression is empty, which the provider refuses: remove it to count with the rule's expression.`);
      }
      const period = rl.period;
      if (isUnknown(period)) undecided(`${name}: period is not known before deployment`);
      if (typeof period === "number") {
        if (!SUPPORTED_RATE_LIMIT_PERIODS.includes(period)) report(`${name}: period ${period} s is not a supported value (${SUPPORTED_RATE_LIMIT_PERIODS.join(", ")}).`);
        else if (period > limits.maxPeriod) report(`${name}: period ${period} s is over the ${plan} plan's ${limits.maxPeriod} s.`);
      }
      const timeout = rl.mitigationTimeout;
      if (isUnknown(timeout)) undecided(`${name}: mitigation_timeout is not known before deployment`);
      const challenge = CHALLENGE_ACTIONS.includes(String(r.action));
      if (typeof timeout === "number") {
        if (timeout === 0) {
          if (!challenge && !limits.blockThrottling) report(`${name}: mitigation_timeout 0 (throttling) with action ${String(r.action)} is Enterprise only: set a duration.`);
        } else if (challenge && plan !== "enterprise") {
          report(`${name}: with the ${String(r.action)} action, plans below Enterprise must set mitigation_timeout 0 (request throttling), not ${timeout}.`);
        } else if (!SUPPORTED_RATE_LIMIT_PERIODS.includes(timeout)) {
          report(`${name}: mitigation_timeout ${timeout} s is not a supported value (0, ${SUPPORTED_RATE_LIMIT_PERIODS.join(", ")}).`);
        } else if (timeout > limits.maxMitigationTimeout) {
          report(`${name}: mitigation_timeout ${timeout} s is over the ${plan} plan's ${limits.maxMitigationTimeout} s.`);
        }
      }
      if (rl.requestsToOrigin === true && typeof r.expression === "string" && /\$[a-z0-9_]+/i.test(r.expression))
        report(`${name}: the expression uses a custom list, which requires counting cached assets too: set requests_to_origin false.`);
    }
  },
);
