import { resourcePolicy } from "../../lib/policy";
import { isEnabled, ruleLabel, rulesOf } from "../../lib/cloudflare";
import { COUNTRY_CODES, countryTests, tokenize } from "../../lib/cf-expr";
import { T, as, type RulesetProps } from "../../lib/types";

export interface Config {
  protectedCountries: string[];
  allowedActions: string[];
}

/** France and the overseas territories that Cloudflare geolocates under their own ISO code. */
const FRANCE = ["FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF"];
/** Actions that do not ban (a skip or a log rule on a country is an exception, not a ban). */
const NON_BANS = ["skip", "log", "execute"];

/**
 * The service is for French volunteers: a geo ban must never match France or its overseas territories,
 * whatever the syntax (`in {...}`, `eq`, or a negated set that leaves FR out).
 */
export const cfGeoBan = resourcePolicy<Config>(
  {
    name: "cf-geo-ban",
    description: "Geo-ban rules use valid ISO 3166-1 alpha-2 codes, never match France or the French overseas territories, and block or challenge.",
    severity: "critical",
    remediationSteps:
      'Write geo bans as `ip.src.country in {"XX" "YY"}` with valid codes that exclude FR, GP, MQ, GF, RE, YT, PM, BL, MF, WF, PF, NC and TF, with action "block" or "managed_challenge".',
    url: "https://developers.cloudflare.com/waf/custom-rules/use-cases/block-by-geographical-location/",
    configSchema: {
      properties: {
        protectedCountries: {
          type: "array",
          items: { type: "string", pattern: "^[A-Z0-9]{2}$" },
          default: FRANCE,
          description: "Countries a ban must never match (FR and overseas territories; add EU members if needed).",
        },
        allowedActions: {
          type: "array",
          items: { type: "string" },
          default: ["block", "managed_challenge"],
          description: "Actions a geo ban may use.",
        },
      },
    },
  },
  T.cfRuleset,
  ({ props, config, report }) => {
    const phase = as<RulesetProps>(props).phase;
    if (phase !== "http_request_firewall_custom" && phase !== "http_ratelimit") return;
    // The policy guarantees FR is protected even if a stack config forgets it.
    const protectedSet = new Set([...FRANCE, ...config.protectedCountries]);
    rulesOf({ props }).forEach((rule, i) => {
      if (!isEnabled(rule) || NON_BANS.includes(rule.action)) return;
      const tests = countryTests(tokenize(rule.expression ?? "").tokens);
      if (!tests.length) return;
      const label = ruleLabel(rule, i);
      for (const t of tests) {
        const invalid = t.codes.filter((c) => !COUNTRY_CODES.has(c));
        if (invalid.length) report(`${label} lists invalid country codes ${invalid.join(", ")}: use upper-case ISO 3166-1 alpha-2 codes.`);
        const hit = t.negated
          ? [...protectedSet].filter((c) => !t.codes.includes(c))
          : t.codes.filter((c) => protectedSet.has(c));
        if (hit.length)
          report(
            t.negated
              ? `${label} bans every country except its list, which leaves out ${hit.join(", ")}: list positive countries with "in {...}" instead of a negation.`
              : `${label} bans protected countries ${hit.join(", ")}: remove them from the set.`,
          );
      }
      if (!config.allowedActions.includes(rule.action))
        report(`${label} is a geo ban with action "${rule.action}": use ${config.allowedActions.join(" or ")}.`);
    });
  },
);
