import { CLOUDFLARE_IPS } from "../../../data/cloudflare-ranges";
import { stackPolicy } from "../../lib/policy";
import { aclsOf, frontendsOf, matchesEverything, portOf } from "../../lib/lb";
import { parseCidr, withinAny, type Cidr } from "../../lib/cidr";

export interface Config {
  plainPorts: number[];
  extraAllowedCidrs: string[];
}

/**
 * Without an origin lock anyone who finds the load balancer's IP bypasses the WAF, the geo bans and the
 * rate limits. Allows must be limited to Cloudflare's ranges (data/cloudflare-ips.json at the repository root, the list
 * the program's ACLs are built from) and followed by a
 * catch-all deny, because an unmatched request is forwarded.
 */
export const scwLbOriginLock = stackPolicy<Config>(
  {
    name: "scw-lb-origin-lock",
    description: "Load balancer frontends that serve the app only allow Cloudflare's published ranges and deny every other source with a catch-all ACL.",
    severity: "critical",
    remediationSteps:
      'On the 443 frontend: ACLs that allow only Cloudflare ranges (ipSubnets from https://www.cloudflare.com/ips/), then an ACL matching ["0.0.0.0/0", "::/0"] with action deny; redirects may come first.',
    url: "https://developers.cloudflare.com/fundamentals/concepts/cloudflare-ip-addresses/",
    configSchema: {
      properties: {
        plainPorts: { type: "array", items: { type: "integer" }, default: [80], description: "Ports handled by scw-lb-no-plain-http (redirect only)." },
        extraAllowedCidrs: { type: "array", items: { type: "string" }, default: [], description: "Other sources allowed to reach the backend (e.g. a monitoring probe)." },
      },
    },
  },
  ({ resources, config, report }) => {
    const allowed: Cidr[] = [...CLOUDFLARE_IPS.ipv4, ...CLOUDFLARE_IPS.ipv6, ...config.extraAllowedCidrs]
      .map((c) => parseCidr(c))
      .filter((c): c is Cidr => !!c);
    for (const fe of frontendsOf(resources)) {
      if (config.plainPorts.includes(portOf(fe))) continue;
      const acls = aclsOf(fe, resources);
      const deny = acls.find((a) => a.action.type === "deny" && matchesEverything(a.match));
      if (!deny) {
        report(`frontend ${fe.name} (port ${portOf(fe)}) has no catch-all deny ACL, so any source reaches the backend: add an ACL matching ["0.0.0.0/0", "::/0"] with action deny after the Cloudflare allows.`, fe.urn);
      }
      for (const a of acls.filter((x) => x.action.type === "allow" && (!deny || x.index <= deny.index))) {
        const subnets = a.match?.ipSubnets ?? [];
        if (!subnets.length && !a.match?.ipsEdgeServices) {
          report(`${a.label} on frontend ${fe.name} allows every source: restrict match.ipSubnets to Cloudflare's ranges.`, a.urn);
          continue;
        }
        const outside = subnets.filter((s) => {
          const c = parseCidr(s);
          return !c || !withinAny(c, allowed);
        });
        if (outside.length)
          report(`${a.label} on frontend ${fe.name} allows ${outside.length} source range(s) outside Cloudflare's published ranges (${outside.slice(0, 3).join(", ")}): remove them or list them in scw-lb-origin-lock.extraAllowedCidrs.`, a.urn);
      }
    }
  },
);
