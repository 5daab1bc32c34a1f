/**
 * What the edge refuses in its arguments, as a pure function: the zone's plan limits, banned countries,
 * HSTS preload. Problems name the argument (`geoBans[1]`, `rateLimits.signup.periodSeconds`), and any
 * other argument a message mentions is written in backticks, so the wiring layer can name the config key
 * instead (the component knows nothing of config keys). Plan limits: see plans.ts for the vendor docs.
 */
import { geoBanProblem } from "./countries";
import { PLAN_LIMITS, RATE_LIMIT_DURATIONS, type CloudflarePlan } from "./plans";
import { customRuleCount, type RateLimit } from "./rules";
import { HSTS_PRELOAD_MIN_MAX_AGE, type HstsSettings } from "./settings";

import type { ArgProblem } from "../args";

/** The plain (resolved) values of the edge's checked arguments. */
export interface EdgeCheckedArgs {
  plan: CloudflarePlan;
  owaspCore: boolean;
  geoBans: readonly string[];
  rateLimits: Readonly<Record<string, RateLimit>>;
  hsts: HstsSettings;
}

/** Every problem of the edge's arguments; [] when the component accepts them. */
export function edgeArgsProblems(a: EdgeCheckedArgs): ArgProblem[] {
  const problems: ArgProblem[] = [];
  a.geoBans.forEach((code, i) => {
    const problem = geoBanProblem(code);
    if (problem) problems.push({ path: ["geoBans", i], message: problem, value: code });
  });
  // What the zone's plan allows: asking for more fails at `pulumi up` with an API error otherwise.
  const limits = PLAN_LIMITS[a.plan];
  if (a.owaspCore && !limits.fullManagedRulesets) {
    problems.push({
      path: ["owaspCore"],
      message: `must be false on the ${a.plan} plan (the OWASP Core Ruleset needs Pro or higher): set it to false or raise \`plan\``,
      value: a.owaspCore,
    });
  }
  const ruleCount = Object.keys(a.rateLimits).length;
  if (ruleCount > limits.rateLimitRules) {
    problems.push({
      path: ["plan"],
      message: `must allow ${ruleCount} rate limiting rules (${Object.keys(a.rateLimits).join(", ")}); the ${a.plan} plan allows ${limits.rateLimitRules}: use pro or higher`,
      value: a.plan,
    });
  }
  for (const [name, limit] of Object.entries(a.rateLimits)) {
    if (limit.periodSeconds > limits.maxRateLimitPeriod) {
      problems.push({
        path: ["rateLimits", name, "periodSeconds"],
        message: `must be <= ${limits.maxRateLimitPeriod} on the ${a.plan} plan: lower it or raise \`plan\``,
        value: limit.periodSeconds,
      });
    }
    if (!RATE_LIMIT_DURATIONS.includes(limit.mitigationTimeoutSeconds) || limit.mitigationTimeoutSeconds > limits.maxMitigationTimeout) {
      const allowed = RATE_LIMIT_DURATIONS.filter((d) => d <= limits.maxMitigationTimeout);
      problems.push({ path: ["rateLimits", name, "mitigationTimeoutSeconds"], message: `must be one of ${allowed.join(", ")} on the ${a.plan} plan`, value: limit.mitigationTimeoutSeconds });
    }
  }
  if (customRuleCount(a.geoBans) > limits.customRules) {
    problems.push({
      path: ["geoBans"],
      message: `must hold at most ${limits.customRules - 3} codes on the ${a.plan} plan (${limits.customRules} custom WAF rules: one per banned country, plus the probe block, the internal-path block and the sensitive-path challenge)`,
      value: a.geoBans,
    });
  }
  if (a.hsts.preload && a.hsts.maxAgeSeconds < HSTS_PRELOAD_MIN_MAX_AGE) {
    problems.push({
      path: ["hsts", "maxAgeSeconds"],
      message: `must be >= ${HSTS_PRELOAD_MIN_MAX_AGE} (one year) when \`hsts.preload\` is true (https://hstspreload.org/#submission-requirements)`,
      value: a.hsts.maxAgeSeconds,
    });
  }
  return problems;
}
