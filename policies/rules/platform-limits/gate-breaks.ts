/**
 * Test-only: one realistic breakage per platform-limits policy for policies/gate.test.ts, over the compliant
 * fixture stack (which has no Public Gateway, email component or TEM validation: the breakages add them).
 */
import type { GateResource } from "../../lib/run";
import { find, mutate, replace, urnOf } from "../../testing/fixtures";

type Break = (s: GateResource[]) => { stack: GateResource[]; urn: string };

const res = (type: string, name: string, props: Record<string, unknown>): GateResource => ({ urn: urnOf(type, name), type, name, props, protect: false, dependencies: [] });

export const platformLimitsBreaks: Record<string, Break> = {
  "cf-rate-limit-plan": (s) => {
    const base = s.find((r) => r.type === "cloudflare:index/ruleset:Ruleset") ?? find(s, "edge-waf-custom");
    const rl = res("cloudflare:index/ruleset:Ruleset", "edge-rate-limits", {
      zoneId: base.props.zoneId,
      kind: "zone",
      name: "rate limits",
      phase: "http_ratelimit",
      rules: [{ ref: "rate_limit_signup", action: "block", expression: "true", ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 600, requestsPerPeriod: 100, mitigationTimeout: 600 } }],
    });
    return { stack: [...s.filter((r) => !(r.type === rl.type && r.props.phase === "http_ratelimit")), rl], urn: rl.urn };
  },
  "cf-ruleset-entrypoint-unique": (s) => {
    const first = s.find((r) => r.type === "cloudflare:index/ruleset:Ruleset" && r.props.kind === "zone");
    if (!first) throw new Error("the compliant stack has no zone ruleset");
    const second = { ...first, urn: urnOf(first.type, "second-entry-point"), name: "second-entry-point" };
    return { stack: [...s, second], urn: second.urn };
  },
  "scw-db-acl-documentation-range": (s) => {
    const r = mutate(find(s, "db-acl"), "aclRules", [{ ip: "203.0.113.16/29", description: "renfort operators (pulumi up)" }]);
    return { stack: replace(s, r), urn: r.urn };
  },
  "scw-pgw-smtp-blocked": (s) => {
    const gw = res("scaleway:network/publicGateway:PublicGateway", "network-egress", { type: "VPC-GW-S", bastionEnabled: false, enableSmtp: false });
    return { stack: [...s, gw, res("renfort:email:Email", "email", { smtpHost: "smtp.tem.scaleway.com", smtpPort: 587 })], urn: gw.urn };
  },
  "scw-tem-validation-timeout": (s) => {
    const v = res("scaleway:tem/domainValidation:DomainValidation", "email-tem-validation", { domainId: "fr-par/tem", region: "fr-par", timeout: 600 });
    return { stack: [...s, v], urn: v.urn };
  },
};
