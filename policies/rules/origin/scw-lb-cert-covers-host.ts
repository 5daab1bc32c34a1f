import { X509Certificate } from "node:crypto";
import type { PolicyResource } from "@pulumi/policy";
import { stackPolicy } from "../../lib/policy";
import { T, fqdn, type AcmeCertificateProps, type DnsRecordProps, type LbCertificateProps, type OriginCaCertificateProps } from "../../lib/types";
import { undecided } from "../../lib/unknown";

export interface Config {
  requireCoverage: boolean;
}

const isOf = (types: readonly string[]) => (r: PolicyResource) => types.includes(r.type);

function covers(names: string[], host: string): boolean {
  return names.some((n) => {
    const p = fqdn(n);
    return p === host || (p.startsWith("*.") && host.endsWith(p.slice(1)) && host.split(".").length === p.split(".").length);
  });
}

/** Names on a load balancer certificate: Let's Encrypt args, the Origin CA or ACME order it came from, or the PEM. */
function namesOf(cert: PolicyResource): string[] {
  const p = cert.props as Partial<LbCertificateProps>;
  if (p.letsencrypt) return [p.letsencrypt.commonName, ...(p.letsencrypt.subjectAlternativeNames ?? [])];
  const origin = cert.dependencies.find(isOf(T.cfOriginCaCertificate));
  if (origin) return [...((origin.props as Partial<OriginCaCertificateProps>).hostnames ?? [])];
  const order = cert.dependencies.find(isOf(T.acmeCertificate));
  if (order) {
    const o = order.props as AcmeCertificateProps;
    return [...(o.commonName ? [o.commonName] : []), ...(o.subjectAlternativeNames ?? [])];
  }
  const pem = p.customCertificate?.certificateChain;
  if (pem === undefined) return [];
  try {
    const x = new X509Certificate(pem);
    const sans = (x.subjectAltName ?? "").split(",").map((s) => s.trim().replace(/^DNS:/, ""));
    const cn = /CN=([^\n,]+)/.exec(x.subject)?.[1];
    return [...(cn ? [cn] : []), ...sans].filter(Boolean);
  } catch {
    // The chain is a secret: never echo it. A chain that does not parse cannot be judged offline.
    return undecided(`the custom certificate of ${cert.name} could not be read (not a PEM certificate, or computed)`);
  }
}

/**
 * With SSL Full (strict), Cloudflare answers 526 for a proxied hostname whose origin certificate does not
 * name it: every proxied hostname that points at the load balancer must be on one of its certificates.
 */
export const scwLbCertCoversHost = stackPolicy<Config>(
  {
    name: "scw-lb-cert-covers-host",
    description: "Every proxied hostname that points at the load balancer is covered by one of the load balancer's certificates.",
    severity: "high",
    remediationSteps: "Add the hostname to the Origin CA certificate's `hostnames` (or the Let's Encrypt SANs) of the load balancer certificate.",
    url: "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-526/",
    configSchema: {
      properties: {
        requireCoverage: { type: "boolean", default: true, description: "Report proxied hostnames that no certificate covers." },
      },
    },
  },
  ({ resources, ofType, config, report }) => {
    if (!config.requireCoverage) return;
    const lbs = ofType(T.lb);
    if (!lbs.length) return;
    const lbUrns = new Set([...lbs, ...ofType(T.lbIp)].map((r) => r.urn));
    const proxied = ofType(T.cfDnsRecord).filter((r) => {
      const p = r.props as Partial<DnsRecordProps>;
      return ["A", "AAAA"].includes(String(p.type).toUpperCase()) && p.proxied === true;
    });
    const pointing = proxied.filter((r) => r.dependencies.some((d) => lbUrns.has(d.urn)));
    const hosts = [...new Set((pointing.length ? pointing : proxied).map((r) => fqdn(String((r.props as Partial<DnsRecordProps>).name))))];
    const certs = resources.filter(isOf(T.lbCertificate));
    if (hosts.length && !certs.length) {
      report(`the load balancer has no certificate, but ${hosts.join(", ")} are proxied to it: add a loadbalancers.Certificate with a Cloudflare Origin CA certificate.`, lbs[0].urn);
      return;
    }
    const names = certs.flatMap(namesOf);
    for (const host of hosts) {
      if (!covers(names, host)) {
        const rec = (pointing.length ? pointing : proxied).find((r) => fqdn(String((r.props as Partial<DnsRecordProps>).name)) === host)!;
        report(`proxied hostname ${host} is not on any load balancer certificate (${names.join(", ") || "none"}), so Cloudflare answers 526: add it to the certificate's hostnames.`, rec.urn);
      }
    }
  },
);
