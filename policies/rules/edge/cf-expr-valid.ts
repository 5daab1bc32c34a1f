import { resourcePolicy } from "../../lib/policy";
import { ruleLabel, rulesOf } from "../../lib/cloudflare";
import { balanceError, tokenize, unknownWords } from "../../lib/cf-expr";
import { T, as, type RulesetProps } from "../../lib/types";

export interface Config {
  maxLength: number;
  allowRegex: boolean;
}

/** Actions each phase accepts (Ruleset engine phase docs). */
const PHASE_ACTIONS: Record<string, string[]> = {
  http_request_firewall_custom: ["block", "challenge", "js_challenge", "managed_challenge", "skip", "log"],
  http_request_firewall_managed: ["execute", "skip", "log"],
  http_ratelimit: ["block", "challenge", "js_challenge", "managed_challenge", "log"],
  http_request_cache_settings: ["set_cache_settings"],
  http_request_dynamic_redirect: ["redirect"],
  http_request_redirect: ["redirect"],
  http_request_transform: ["rewrite"],
  http_request_late_transform: ["rewrite"],
  http_response_headers_transform: ["rewrite"],
  http_config_settings: ["set_config"],
  http_request_origin: ["route"],
  http_response_compression: ["compress_response"],
  http_custom_errors: ["serve_error"],
};

export const cfExprValid = resourcePolicy<Config>(
  {
    name: "cf-expr-valid",
    description: "Every Cloudflare rule expression parses, uses known fields and functions, stays within the length limit, and its action is valid for the ruleset's phase.",
    severity: "high",
    remediationSteps: "Fix the expression in the rule named by the message (test it in the dashboard's expression editor) and use an action the phase accepts.",
    url: "https://developers.cloudflare.com/ruleset-engine/rules-language/expressions/",
    configSchema: {
      properties: {
        maxLength: { type: "integer", default: 4096, description: "Maximum expression length in characters." },
        allowRegex: { type: "boolean", default: true, description: "Allow the `matches` operator (not available on the Free plan)." },
      },
    },
  },
  T.cfRuleset,
  ({ props, config, report }) => {
    const phase = String(as<RulesetProps>(props).phase);
    rulesOf({ props }).forEach((rule, i) => {
      const label = ruleLabel(rule, i);
      const expr = rule.expression ?? "";
      if (!expr.trim()) {
        report(`${label} has an empty expression: write the condition, or "true" to match every request.`);
        return;
      }
      if (expr.length > config.maxLength) report(`${label} expression is ${expr.length} characters, above the ${config.maxLength} limit: split it or use a list.`);
      const { tokens, error } = tokenize(expr);
      const problem = error ?? balanceError(tokens);
      if (problem) report(`${label} expression does not parse (${problem}): fix the syntax.`);
      const bad = unknownWords(tokens);
      if (bad.length) report(`${label} expression uses unknown fields or functions ${bad.map((b) => `"${b}"`).join(", ")}: use names from the Rules language reference.`);
      if (!config.allowRegex && tokens.some((t) => t.kind === "word" && t.value === "matches"))
        report(`${label} uses the "matches" operator, which this plan does not allow: use starts_with/contains/wildcard.`);
      const allowed = PHASE_ACTIONS[phase];
      if (allowed && !allowed.includes(rule.action))
        report(`${label} uses action "${rule.action}", which phase ${phase} does not accept: use one of ${allowed.join(", ")}.`);
    });
  },
);
