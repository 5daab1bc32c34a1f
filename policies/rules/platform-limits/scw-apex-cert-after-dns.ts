import type { PolicyResource } from "@pulumi/policy";
import { stackPolicy } from "../../lib/policy";
import { T, fqdn, type LbCertificateProps } from "../../lib/types";

export interface Config {
  checkTypes: string[];
}

/** The Origin component's resolution check (components/origin/apex-resolution.ts). */
const APEX_RESOLVES = "pulumi-nodejs:dynamic/renfort:ApexResolves";

/**
 * Let's Encrypt validates HTTP-01 by fetching `http://<name>/.well-known/acme-challenge/<token>` at an
 * address the name resolves to; a certificate the load balancer requests before the name resolves to
 * it fails (and holds the frontend it is attached to back). Records merely declared are not records
 * resolved: the certificate must wait for a check that sees the name resolve through public resolvers.
 */
export const scwApexCertAfterDns = stackPolicy<Config>(
  {
    name: "scw-apex-cert-after-dns",
    description: "Every Let's Encrypt certificate a load balancer requests depends on a check that its names resolve to the load balancers, so it is requested only once validation can succeed.",
    severity: "high",
    remediationSteps:
      "Declare the certificate with `dependsOn` an ApexResolves check (components/origin/apex-resolution.ts) for each of its names, or leave it out until the names point at the load balancers (renfort:domain.apexDnsPointedHere).",
    url: "https://letsencrypt.org/docs/challenge-types/#http-01-challenge",
    configSchema: {
      properties: {
        checkTypes: { type: "array", items: { type: "string" }, default: [APEX_RESOLVES], description: "Resource types that wait for a name to resolve (input `apex`)." },
      },
    },
  },
  ({ ofType, config, report }) => {
    const isCheck = (d: PolicyResource) => config.checkTypes.includes(d.type);
    for (const cert of ofType(T.lbCertificate)) {
      const le = (cert.props as Partial<LbCertificateProps>).letsencrypt;
      if (!le) continue;
      const names = [le.commonName, ...(le.subjectAlternativeNames ?? [])].map((n) => fqdn(String(n)));
      const checked = new Set(cert.dependencies.filter(isCheck).map((d) => fqdn(String((d.props as { apex?: unknown }).apex ?? ""))));
      const unchecked = names.filter((n) => !checked.has(n));
      if (unchecked.length > 0)
        report(
          `Let's Encrypt certificate ${cert.name} for ${unchecked.join(", ")} is requested without waiting for ${unchecked.length > 1 ? "them" : "it"} to resolve to the load balancers, so HTTP-01 validation fails until DNS points there: make it depend on an ApexResolves check of each name.`,
          cert.urn,
        );
    }
  },
);
