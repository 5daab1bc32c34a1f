import { stackPolicy } from "../../lib/policy";
import { isEnabled, ruleLabel, rulesOf, rulesetsOfPhase, zonesOf } from "../../lib/cloudflare";

export interface Config {
  requiredPaths: string[];
  minRequestsPerMinute: number;
  allowedPeriods: number[];
}

const ACTIONS = ["block", "managed_challenge", "challenge", "js_challenge"];

/**
 * Volunteers sign up from town halls and schools behind one NAT address, so the per-IP threshold must
 * stay above that legitimate peak; `cf.colo.id` is mandatory in characteristics (Cloudflare docs).
 */
export const cfRateLimitSignup = stackPolicy<Config>(
  {
    name: "cf-rate-limit-signup",
    description: "Every Cloudflare zone has an enabled rate-limiting rule per source IP that covers the signup and API write paths, with a threshold above the legitimate per-IP peak.",
    severity: "high",
    remediationSteps:
      'Add an http_ratelimit rule whose expression covers the paths (e.g. starts_with(http.request.uri.path, "/api/")), with characteristics ["cf.colo.id", "ip.src"], a supported period, and requestsPerPeriod above the shared-NAT peak.',
    url: "https://developers.cloudflare.com/waf/rate-limiting-rules/parameters/",
    configSchema: {
      properties: {
        requiredPaths: { type: "array", items: { type: "string" }, default: ["/api/"], description: "Path prefixes a rate-limit rule must cover." },
        minRequestsPerMinute: {
          type: "number",
          minimum: 1,
          default: 60,
          description: "Legitimate per-IP peak (shared NAT): the threshold per minute must not be below it.",
        },
        allowedPeriods: {
          type: "array",
          items: { type: "integer" },
          default: [10, 60, 120, 300, 600, 3600],
          description: "Counting periods (seconds) the plan supports.",
        },
      },
    },
  },
  ({ resources, config, report }) => {
    for (const zone of zonesOf(resources)) {
      const rulesets = rulesetsOfPhase(zone, "http_ratelimit");
      const rules = rulesets.flatMap((rs) => rulesOf(rs).map((r, i) => ({ rs, r, i })));
      for (const path of config.requiredPaths) {
        const covering = rules.filter(({ r }) => (r.expression ?? "").includes(`"${path}`));
        const active = covering.filter(({ r }) => isEnabled(r) && ACTIONS.includes(r.action));
        if (!active.length) {
          report(
            covering.length
              ? `the rate-limit rule covering "${path}" is disabled or only logs: enable it with action block or managed_challenge.`
              : `zone ${zone.key} has no http_ratelimit rule covering "${path}": add one (see cf-rate-limit-signup.requiredPaths).`,
            (covering[0]?.rs ?? rulesets[0] ?? zone.anchor).urn,
          );
        }
      }
      for (const { rs, r, i } of rules) {
        if (!isEnabled(r)) continue;
        const label = ruleLabel(r, i);
        const rl = r.ratelimit;
        if (!rl) {
          report(`${label} has no ratelimit block: set characteristics, period and requestsPerPeriod.`, rs.urn);
          continue;
        }
        const ch = rl.characteristics ?? [];
        if (!ch.includes("ip.src")) report(`${label} does not count per client IP: add "ip.src" to ratelimit.characteristics.`, rs.urn);
        if (!ch.includes("cf.colo.id")) report(`${label} lacks "cf.colo.id" in ratelimit.characteristics, which Cloudflare requires: add it.`, rs.urn);
        if (!config.allowedPeriods.includes(rl.period))
          report(`${label} uses period ${rl.period}s, which is not supported: use one of ${config.allowedPeriods.join(", ")}.`, rs.urn);
        if (rl.requestsPerPeriod !== undefined && rl.period > 0) {
          const perMinute = (rl.requestsPerPeriod / rl.period) * 60;
          if (perMinute < config.minRequestsPerMinute)
            report(
              `${label} allows ${perMinute.toFixed(1)} requests per minute per IP, below the legitimate shared-NAT peak of ${config.minRequestsPerMinute}: raise requestsPerPeriod.`,
              rs.urn,
            );
        }
      }
    }
  },
);
