import { resourcePolicy } from "../../lib/policy";
import { isEnabled, ruleLabel, rulesOf } from "../../lib/cloudflare";
import { COUNTRY_CODES, countryReferences, tokenize } from "../../lib/cf-expr";
import { COUNTRIES } from "../../../data/country-codes";
import { T, as, type RulesetProps } from "../../lib/types";

export interface Config {
  protectedCountries: string[];
  allowedActions: string[];
}

/** France and the French territories with a code of their own, FX and CP included (data/countries.json, shared with the program). */
const FRANCE = Object.keys(COUNTRIES.frenchTerritories);
/** Actions that do not ban (a skip or a log rule on a country is an exception, not a ban). */
const NON_BANS = ["skip", "log", "execute"];

/**
 * The service is for French volunteers: a geo ban must never match France or its overseas territories.
 * The policy fails closed: it accepts only positive tests it can read (`ip.src.country in {"RU" "KP"}`,
 * `ip.src.country eq "RU"`); any other mention of the country (a negation, `lower(...)`, `contains`,
 * `matches`, `wildcard`, a named list...) is a violation, since it cannot prove France is not matched.
 */
export const cfGeoBan = resourcePolicy<Config>(
  {
    name: "cf-geo-ban",
    description:
      "Geo-ban rules test the country only with positive sets of valid ISO 3166-1 alpha-2 codes, never match France or the French overseas territories, and block or challenge.",
    severity: "critical",
    remediationSteps:
      `Write geo bans as \`ip.src.country in {"RU" "KP"}\` (no negation, no function, no other operator on the country) with valid codes that exclude ${FRANCE.join(", ")}, with action "block" or "managed_challenge".`,
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
      const refs = countryReferences(tokenize(rule.expression ?? "").tokens);
      if (!refs.length) return;
      const label = ruleLabel(rule, i);
      for (const ref of refs) {
        if ("unclassifiable" in ref) {
          report(
            `${label} tests the country in a form this policy cannot check (${ref.unclassifiable}), so it cannot prove France is not banned: write it as ip.src.country in {"RU" "KP"} with positive codes.`,
          );
          continue;
        }
        const t = ref.test;
        const invalid = t.codes.filter((c) => !COUNTRY_CODES.has(c));
        if (invalid.length) report(`${label} lists invalid country codes ${invalid.join(", ")}: use upper-case ISO 3166-1 alpha-2 codes.`);
        const hit = t.codes.filter((c) => protectedSet.has(c));
        if (hit.length) report(`${label} bans protected countries ${hit.join(", ")}: remove them from the set.`);
      }
      if (!config.allowedActions.includes(rule.action))
        report(`${label} is a geo ban with action "${rule.action}": use ${config.allowedActions.join(" or ")}.`);
    });
  },
);
