import { stackPolicy } from "../../lib/policy";
import { aclsOf, frontendsOf, matchesEverything, portOf } from "../../lib/lb";
import { isEnabled, ruleLabel, rulesOf, rulesetsOfPhase, zonesOf } from "../../lib/cloudflare";
import { T, fqdn, type DnsRecordProps } from "../../lib/types";
import { isUnknown, peek } from "../../lib/unknown";

export interface Config {
  header: string;
  plainPorts: number[];
}

const PHASE = "http_request_late_transform";

/** The values an allow ACL accepts for the header, or undefined when it does not require the header. */
function headerValues(match: { httpFilter?: unknown; httpFilterOption?: unknown; httpFilterValues?: unknown; invert?: unknown } | undefined, header: string): unknown[] | undefined {
  if (!match || match.invert === true || match.httpFilter !== "http_header_match") return undefined;
  if (typeof match.httpFilterOption !== "string" || match.httpFilterOption.toLowerCase() !== header) return undefined;
  const values = Array.isArray(match.httpFilterValues) ? match.httpFilterValues : [];
  return values.length > 0 ? values : undefined;
}

/**
 * Whether a transform rule's expression provably covers requests for `host`: `true`, `http.host eq "<host>"`
 * or `http.host in {... "<host>" ...}`. Anything else fails closed (the policy cannot evaluate every
 * expression, and a rule that misses the host leaves that host's visitors locked out or, worse, a gap).
 */
function coversHost(expression: unknown, host: string): boolean {
  if (typeof expression !== "string") return false;
  const e = expression.trim();
  if (e === "true") return true;
  const eq = /^http\.host eq "([^"]+)"$/.exec(e);
  if (eq) return fqdn(eq[1]) === host;
  const inSet = /^http\.host in \{([^}]*)\}$/.exec(e);
  if (inSet) return [...inSet[1].matchAll(/"([^"]+)"/g)].some((m) => fqdn(m[1]) === host);
  return false;
}

/**
 * The origin lock's two halves (components/origin/README.md "Origin lock"): Cloudflare's ranges are shared by
 * every Cloudflare customer, so any of them can point a zone at our load balancers with our Host. The edge
 * sets a secret request header (a request-header transform rule) and the load balancers allow the main host
 * only with it. This policy checks that every zone whose proxied records point at the load balancers sets the
 * header, that every allow ACL of the HTTPS frontends requires that same header, and, when the values are known,
 * that the value the edge sends is one the ACLs accept (never printing it).
 */
export const scwLbOriginAuth = stackPolicy<Config>(
  {
    name: "scw-lb-origin-auth",
    description:
      "Zones proxying to the load balancers set the origin-auth header with a request-header transform rule, and every allow ACL of the load balancers' HTTPS frontends requires that header.",
    severity: "critical",
    remediationSteps:
      "In the zone's http_request_late_transform entry point, add a rewrite rule matching the main host that sets the header (operation set, a secret static value); on the 443 frontend, make every allow ACL match http_header_match on that header with the accepted values, after a deny of other hosts.",
    url: "https://developers.cloudflare.com/rules/transform/request-header-modification/",
    configSchema: {
      properties: {
        header: { type: "string", default: "x-renfort-origin-auth", description: "Lower-case name of the origin-auth header both halves must use." },
        plainPorts: { type: "array", items: { type: "integer" }, default: [80], description: "Frontend ports that only redirect (scw-lb-no-plain-http), not checked here." },
      },
    },
  },
  ({ resources, config, report }) => {
    const header = config.header.toLowerCase();
    const lbIpUrns = new Set(resources.filter((r) => (T.lbIp as readonly string[]).includes(r.type)).map((r) => r.urn));

    // Load balancer half: what the ACLs accept.
    const accepted: unknown[] = [];
    let lbFrontends = 0;
    for (const fe of frontendsOf(resources)) {
      if (config.plainPorts.includes(portOf(fe))) continue;
      lbFrontends++;
      const acls = aclsOf(fe, resources);
      const deny = acls.find((a) => a.action?.type === "deny" && matchesEverything(a.match));
      for (const a of acls.filter((x) => x.action?.type === "allow" && (!deny || x.index <= deny.index))) {
        const values = headerValues(a.match, header);
        if (!values) {
          const host = a.match?.httpFilterOption === "host" ? " (it matches the Host, which any Cloudflare customer's zone can send)" : "";
          report(`${a.label} on frontend ${fe.name} (port ${portOf(fe)}) allows requests without the origin-auth header ${header}${host}: match http_header_match on ${header} with the accepted values.`, a.urn);
          continue;
        }
        accepted.push(...values);
      }
    }

    // Edge half: every zone with proxied records pointing at the load balancers sets the header.
    for (const zone of zonesOf(resources)) {
      const proxied = zone.records.filter((r) => {
        const p = r.props as Partial<DnsRecordProps>;
        return p.proxied === true && r.dependencies.some((d) => lbIpUrns.has(d.urn));
      });
      if (proxied.length === 0) continue;
      const hosts = [...new Set(proxied.map((r) => peek(r.props, "name")).filter((n): n is string => typeof n === "string" && !isUnknown(n)).map(fqdn))];
      const setters = rulesetsOfPhase(zone, PHASE).flatMap((rs) =>
        rulesOf(rs)
          .map((rule, i) => ({ rs, rule, i }))
          .filter(({ rule }) => isEnabled(rule) && rule.action === "rewrite")
          .map(({ rs, rule, i }) => {
            const headers = ((rule.actionParameters as { headers?: Record<string, { operation?: string; value?: unknown; expression?: unknown }> } | undefined)?.headers ?? {}) as Record<
              string,
              { operation?: string; value?: unknown; expression?: unknown }
            >;
            const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === header)?.[1];
            return { rs, rule, i, entry };
          })
          .filter(({ entry }) => entry?.operation === "set"),
      );
      const anchor = proxied[0];
      if (setters.length === 0) {
        report(
          `zone ${zone.key} proxies ${hosts.join(", ") || "records"} to the load balancers but no enabled rewrite rule of its ${PHASE} entry point sets ${header}: the load balancers would refuse every visitor (or, without the ACL half, any Cloudflare customer reaches them).`,
          anchor.urn,
        );
        continue;
      }
      for (const host of hosts) {
        if (!setters.some(({ rule }) => coversHost(rule.expression, host)))
          report(`zone ${zone.key}: no rule setting ${header} provably matches ${host} (use the expression true, http.host eq "${host}" or http.host in {...}).`, anchor.urn);
      }
      for (const { rs, rule, i, entry } of setters) {
        const value = entry?.value;
        if (entry?.expression !== undefined || value === undefined || value === "") {
          report(`${ruleLabel(rule, i)} of ${rs.name} sets ${header} from an expression or to nothing: set a secret static value.`, rs.urn);
          continue;
        }
        // Compared only when both sides are known (a new generation's value is computed at deployment).
        const knownAccepted = accepted.filter((v) => typeof v === "string" && !isUnknown(v));
        if (typeof value === "string" && !isUnknown(value) && lbFrontends > 0 && knownAccepted.length === accepted.length && !knownAccepted.includes(value))
          report(`${ruleLabel(rule, i)} of ${rs.name} sets ${header} to a value no load balancer ACL accepts: every visitor would be refused (values not shown).`, rs.urn);
      }
    }
  },
);
