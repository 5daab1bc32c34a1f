import { resourcePolicy } from "../../lib/policy";
import { isPrivateOrBogon } from "../../lib/cidr";
import { T, as, fqdn, type DnsRecordProps } from "../../lib/types";
import { isUnknown, peek } from "../../lib/unknown";

export interface Config {
  dnsOnlyNames: string[];
}

/** The record's name for a message, without making the check undecided when the name is computed. */
function peekName(props: Record<string, unknown>): string {
  const n = peek(props, "name");
  return typeof n === "string" && !isUnknown(n) ? fqdn(n) : "(name computed at deployment)";
}

function matches(name: string, pattern: string): boolean {
  const p = fqdn(pattern);
  return p.startsWith("*.") ? name.endsWith(p.slice(1)) : name === p;
}

/**
 * Web records must go through Cloudflare (WAF, geo bans, rate limits). Names that deliberately stay
 * DNS-only (the apex, served by the load balancer for sovereignty) are listed in the stack's config.
 */
export const cfDnsProxied = resourcePolicy<Config>(
  {
    name: "cf-dns-proxied",
    description: "Web DNS records (A, AAAA, CNAME) are proxied by Cloudflare unless the stack lists them as DNS-only, and no address record points at a private or bogon address.",
    severity: "high",
    remediationSteps: "Set `proxied: true` (and ttl 1) on the record, or add its name to cf-dns-proxied.dnsOnlyNames in the stack's policy config; point address records at public IPs only.",
    url: "https://developers.cloudflare.com/dns/proxy-status/",
    configSchema: {
      properties: {
        dnsOnlyNames: {
          type: "array",
          items: { type: "string" },
          default: [],
          description: "FQDNs (or *.suffix patterns) that are deliberately DNS-only, e.g. the apex served by the load balancer.",
        },
      },
    },
  },
  T.cfDnsRecord,
  ({ props, config, report }) => {
    const r = as<DnsRecordProps>(props);
    const type = String(r.type).toUpperCase();
    if (!["A", "AAAA", "CNAME"].includes(type)) return;
    // Read only what each check needs: a proxied record needs no name, so a name computed at deployment
    // leaves the proxy check decided.
    if (r.proxied !== true) {
      const name = fqdn(String(r.name));
      const serviceLabel = name.split(".").some((l) => l.startsWith("_")); // DKIM CNAMEs, ACME: not web hosts
      if (!serviceLabel && !config.dnsOnlyNames.some((p) => matches(name, p)))
        report(`${type} record ${name} is not proxied, so it bypasses the WAF and geo bans: set proxied: true or list it in cf-dns-proxied.dnsOnlyNames.`);
    }
    if (type !== "CNAME" && isPrivateOrBogon(String(r.content)))
      report(`${type} record ${peekName(props)} points at a private or reserved address: use the public origin IP.`);
  },
);
