/**
 * The edge half of the origin lock: a request-header transform rule that sets the secret origin-auth header
 * on every request for the main host, which the load balancers' ACLs require (components/origin/acls.ts).
 *
 * Verified (https://developers.cloudflare.com/rules/transform/request-header-modification/create-api/):
 * the rule lives in the zone entry point of phase `http_request_late_transform`, its action is `rewrite`, and
 * `action_parameters.headers` maps a header name to `{ operation: "set", value: <static value> }`; "set"
 * "overrides the value of an existing header with the same name or adds a new header if it does not exist"
 * (https://developers.cloudflare.com/rules/transform/request-header-modification/create-dashboard/), so a
 * visitor cannot bring a value of their own. Provider input shape: @pulumi/cloudflare 6.22
 * `RulesetRuleActionParameters.headers: { [name]: { operation, value?, expression? } }`.
 *
 * The rule matches the main host only: another proxied host of the zone pointing elsewhere would otherwise
 * hand the secret to that origin.
 */
import { eq, render } from "./expressions";

export const ORIGIN_AUTH_PHASE = "http_request_late_transform" as const;
export const ORIGIN_AUTH_RULESET = {
  key: "origin-auth",
  phase: ORIGIN_AUTH_PHASE,
  name: "Renfort origin auth",
  description: "Sets the secret header the origin's load balancers require of the main host's requests",
} as const;
export const ORIGIN_AUTH_RULE_REF = "origin_auth_header";

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** The rule, with the header value left to the caller (a Pulumi secret in the component, a string in tests). */
export function originAuthRule<V>(mainHost: string, header: string, value: V) {
  if (!HEADER_NAME.test(header)) throw new Error(`the origin-auth header name must be a lower-case HTTP field name, got ${JSON.stringify(header)}`);
  // Cloudflare refuses changes to its own cf-* headers and a few hop-by-hop ones; a custom x- header is what it documents.
  if (header.startsWith("cf-")) throw new Error(`the origin-auth header cannot be a cf-* header (Cloudflare reserves them), got ${header}`);
  return {
    ref: ORIGIN_AUTH_RULE_REF,
    description: `Set ${header} (the origin lock's secret) on requests for ${mainHost}`,
    expression: render(eq("http.host", mainHost)),
    action: "rewrite" as const,
    enabled: true,
    actionParameters: { headers: { [header]: { operation: "set" as const, value } } },
  };
}
