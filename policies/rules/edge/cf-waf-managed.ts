import { stackPolicy } from "../../lib/policy";
import { isEnabled, ruleLabel, rulesOf, rulesetsOfPhase, zonesOf } from "../../lib/cloudflare";

export interface Config {
  requiredRulesetIds: string[];
}

const BROAD = /^\(?\s*true\s*\)?$/;

export const cfWafManaged = stackPolicy<Config>(
  {
    name: "cf-waf-managed",
    description:
      "Every Cloudflare zone executes the required managed WAF rulesets (Cloudflare Managed and OWASP Core by default), none of them disabled, and no rule skips the WAF for all traffic.",
    severity: "high",
    remediationSteps:
      'Declare one `http_request_firewall_managed` Ruleset with `{ action: "execute", expression: "true", actionParameters: { id } }` per required ruleset; do not set `overrides.enabled: false`; scope skip rules to a narrow expression.',
    url: "https://developers.cloudflare.com/waf/managed-rules/deploy-zone-dashboard/",
    configSchema: {
      properties: {
        requiredRulesetIds: {
          type: "array",
          items: { type: "string" },
          default: ["efb7b8c949ac4650a09736fc376e9aee", "4814384a9e5d4991b9815dcfc25d2f1f"],
          description: "Managed ruleset ids that must be executed (Free plan: 77454fe2d30c4220b5701f6fdfb893ba).",
        },
      },
    },
  },
  ({ resources, config, report }) => {
    for (const zone of zonesOf(resources)) {
      const managed = rulesetsOfPhase(zone, "http_request_firewall_managed");
      if (!managed.length) {
        report(`zone ${zone.key} has no http_request_firewall_managed Ruleset: declare one that executes ${config.requiredRulesetIds.join(", ")}.`, zone.anchor.urn);
        continue;
      }
      for (const id of config.requiredRulesetIds) {
        const exec = managed.flatMap((rs) => rulesOf(rs).map((r) => ({ rs, r }))).filter(({ r }) => r.action === "execute" && r.actionParameters?.id === id);
        if (!exec.length) {
          report(`managed ruleset ${id} is not executed: add an execute rule with actionParameters.id "${id}".`, managed[0].urn);
        }
        for (const { rs, r } of exec) {
          if (!isEnabled(r)) report(`the execute rule for managed ruleset ${id} is disabled: remove enabled: false.`, rs.urn);
          if (r.actionParameters?.overrides?.enabled === false)
            report(`the execute rule for managed ruleset ${id} disables the whole ruleset with overrides.enabled: false: remove it and tune single rules instead.`, rs.urn);
        }
      }
      for (const phase of ["http_request_firewall_managed", "http_request_firewall_custom"]) {
        for (const rs of rulesetsOfPhase(zone, phase)) {
          rulesOf(rs).forEach((r, i) => {
            if (r.action === "skip" && isEnabled(r) && BROAD.test(r.expression.trim()))
              report(`${ruleLabel(r, i)} in ${phase} skips for every request: narrow its expression to the traffic that must bypass the WAF.`, rs.urn);
          });
        }
      }
    }
  },
);
