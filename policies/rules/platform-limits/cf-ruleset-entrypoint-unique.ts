import { stackPolicy } from "../../lib/policy";
import { isUnknown, peek, undecided } from "../../lib/unknown";
import { T } from "../../lib/types";

export interface Config {
  /** Ruleset kinds that are phase entry points (`zone` at the zone level, `root` at the account level). */
  entryPointKinds: string[];
}

/**
 * "Each phase has at most one entry point ruleset at the account level and at the zone level"
 * (https://developers.cloudflare.com/ruleset-engine/about/rulesets/#entry-point-ruleset). Two `kind: zone`
 * rulesets for one zone and phase: the second create fails at the API (or, imported, the two resources
 * overwrite each other's rules on every update).
 */
export const cfRulesetEntrypointUnique = stackPolicy<Config>(
  {
    name: "cf-ruleset-entrypoint-unique",
    description: "Each Cloudflare zone (or account) declares at most one entry point ruleset per phase.",
    severity: "high",
    remediationSteps: "Merge the rules into one cloudflare.Ruleset per zone and phase (kind zone); import the one that already exists in the dashboard instead of creating a second.",
    url: "https://developers.cloudflare.com/ruleset-engine/about/rulesets/#entry-point-ruleset",
    configSchema: {
      properties: {
        entryPointKinds: { type: "array", items: { type: "string" }, default: ["zone", "root"], description: "Ruleset kinds that are phase entry points." },
      },
    },
  },
  ({ ofType, config, report }) => {
    const seen = new Map<string, string>();
    for (const r of ofType(T.cfRuleset)) {
      const kind = peek(r.props, "kind");
      if (isUnknown(kind)) undecided(`kind of ruleset ${r.name} is not known before deployment`);
      if (typeof kind !== "string" || !config.entryPointKinds.includes(kind)) continue;
      const phase = peek(r.props, "phase");
      const scope = kind === "root" ? peek(r.props, "accountId") : peek(r.props, "zoneId");
      if (isUnknown(phase) || isUnknown(scope)) undecided(`the zone, account or phase of ruleset ${r.name} is not known before deployment`);
      const key = `${kind}/${String(scope)}/${String(phase)}`;
      const first = seen.get(key);
      if (first)
        report(
          `ruleset ${r.name} is a second ${kind} entry point for phase ${String(phase)} of ${kind === "root" ? "account" : "zone"} ${String(scope)} (the first is ${first}): a phase has one entry point ruleset, so the API refuses it. Merge their rules into ${first}.`,
          r.urn,
        );
      else seen.set(key, r.name);
    }
  },
);
