import { resourcePolicy } from "../../lib/policy";
import { ruleLabel, rulesOf } from "../../lib/cloudflare";
import { tokenize } from "../../lib/cf-expr";
import { T } from "../../lib/types";

export interface Config {
  deprecated: Record<string, string>;
}

export const cfExprDeprecated = resourcePolicy<Config>(
  {
    name: "cf-expr-deprecated",
    description: "No Cloudflare rule expression uses a deprecated field (ip.geoip.* or cf.threat_score, which is always 0).",
    severity: "medium",
    remediationSteps: "Replace ip.geoip.* with ip.src.* and cf.threat_score with a WAF attack score or bot score condition.",
    url: "https://developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/",
    configSchema: {
      properties: {
        deprecated: {
          type: "object",
          additionalProperties: { type: "string" },
          default: {
            "ip.geoip.": "ip.src.",
            "cf.threat_score": "cf.waf.score or cf.bot_management.score",
          },
          description: "Deprecated field (or prefix ending with a dot) mapped to its replacement.",
        },
      },
    },
  },
  T.cfRuleset,
  ({ props, config, report }) => {
    rulesOf({ props }).forEach((rule, i) => {
      for (const t of tokenize(rule.expression ?? "").tokens) {
        if (t.kind !== "word") continue;
        for (const [old, replacement] of Object.entries(config.deprecated)) {
          if (old.endsWith(".") ? t.value.startsWith(old) : t.value === old)
            report(`${ruleLabel(rule, i)} uses deprecated field "${t.value}": use ${replacement} instead.`);
        }
      }
    });
  },
);
