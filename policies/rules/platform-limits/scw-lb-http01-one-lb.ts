import type { PolicyResource } from "@pulumi/policy";
import { stackPolicy } from "../../lib/policy";
import { T, fqdn, type DnsRecordProps, type LbCertificateProps } from "../../lib/types";

export interface Config {
  maxLoadBalancers: number;
}

const isOf = (types: readonly string[]) => (r: PolicyResource) => types.includes(r.type);

/**
 * A Scaleway-managed Let's Encrypt certificate (`letsencrypt` block) is validated over HTTP-01: the load
 * balancer places its own order's token and Let's Encrypt fetches it "at one of the hosts found in the DNS A
 * and AAAA records, at its discretion" (RFC 8555 §8.3, https://www.rfc-editor.org/rfc/rfc8555#section-8.3;
 * Let's Encrypt: https://letsencrypt.org/docs/challenge-types/#http-01-challenge). When the name resolves to
 * more than one load balancer, or more than one load balancer orders it, the request can reach a load balancer
 * that does not hold that token, and issuance or a renewal fails there. One certificate obtained over DNS-01
 * and uploaded to every load balancer as a custom certificate does not depend on where the name resolves.
 */
export const scwLbHttp01OneLb = stackPolicy<Config>(
  {
    name: "scw-lb-http01-one-lb",
    description:
      "A name with a Scaleway-managed Let's Encrypt (HTTP-01) certificate is ordered by, and resolves to, one load balancer only: Let's Encrypt validates at one address of its choosing.",
    severity: "high",
    remediationSteps:
      "Obtain the name's certificate once over DNS-01 (an acme.Certificate) and upload it to every load balancer as a custom certificate (`customCertificate.certificateChain`), as components/origin does for the apex.",
    url: "https://letsencrypt.org/docs/challenge-types/#http-01-challenge",
    configSchema: {
      properties: {
        maxLoadBalancers: { type: "integer", minimum: 1, default: 1, description: "Load balancers an HTTP-01 name may involve (RFC 8555 §8.3: the CA picks one address)." },
      },
    },
  },
  ({ ofType, config, report }) => {
    const lbs = ofType(T.lb);
    const lbOf = (r: PolicyResource) => r.dependencies.find(isOf(T.lb))?.urn;
    // A flexible IP belongs to the load balancer that lists it (the LB depends on its IPs).
    const lbOfIp = new Map<string, string>();
    for (const lb of lbs) for (const ip of lb.dependencies.filter(isOf(T.lbIp))) lbOfIp.set(ip.urn, lb.urn);
    const lbsBehind = (record: PolicyResource): string[] =>
      record.dependencies.flatMap((d) => (isOf(T.lb)(d) ? [d.urn] : lbOfIp.has(d.urn) ? [lbOfIp.get(d.urn)!] : []));

    // Load balancers each name's A/AAAA records point at: Scaleway DNS (name "" is the zone's apex) and Cloudflare DNS-only records.
    const resolvesTo = new Map<string, Set<string>>();
    const add = (name: string, urns: string[]) => {
      const set = resolvesTo.get(name) ?? new Set<string>();
      urns.forEach((u) => set.add(u));
      resolvesTo.set(name, set);
    };
    for (const r of ofType(T.scwDomainRecord)) {
      const p = r.props as { dnsZone?: string; name?: string; type?: string };
      if (!["A", "AAAA"].includes(String(p.type).toUpperCase())) continue;
      add(fqdn(p.name ? `${p.name}.${p.dnsZone}` : String(p.dnsZone)), lbsBehind(r));
    }
    for (const r of ofType(T.cfDnsRecord)) {
      const p = r.props as Partial<DnsRecordProps>;
      if (!["A", "AAAA"].includes(String(p.type).toUpperCase()) || p.proxied === true) continue;
      add(fqdn(String(p.name)), lbsBehind(r));
    }

    // Load balancers ordering each name over HTTP-01.
    const orderedBy = new Map<string, PolicyResource[]>();
    for (const cert of ofType(T.lbCertificate)) {
      const le = (cert.props as Partial<LbCertificateProps>).letsencrypt;
      if (!le) continue;
      for (const n of [le.commonName, ...(le.subjectAlternativeNames ?? [])].map((x) => fqdn(String(x)))) orderedBy.set(n, [...(orderedBy.get(n) ?? []), cert]);
    }

    for (const [name, certs] of orderedBy) {
      const involved = new Set([...certs.map(lbOf).filter((u): u is string => u !== undefined), ...(resolvesTo.get(name) ?? [])]);
      if (involved.size <= config.maxLoadBalancers) continue;
      const names = lbs.filter((l) => involved.has(l.urn)).map((l) => l.name);
      for (const cert of certs)
        report(
          `Let's Encrypt certificate ${cert.name} validates ${name} over HTTP-01, but ${name} involves ${involved.size} load balancers (${names.join(", ")}): Let's Encrypt fetches the token at one address of its choosing (RFC 8555 §8.3), so issuance or renewal fails on a load balancer without it. Obtain one certificate over DNS-01 and upload it to each load balancer as a custom certificate.`,
          cert.urn,
        );
    }
  },
);
