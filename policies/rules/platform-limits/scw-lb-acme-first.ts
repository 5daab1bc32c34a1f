import type { PolicyResource } from "@pulumi/policy";
import { stackPolicy } from "../../lib/policy";
import { aclsOf, frontendsOf, portOf, type AclEntry } from "../../lib/lb";
import { T, type LbCertificateProps } from "../../lib/types";

export interface Config {
  challengePrefix: string;
}

/**
 * Scaleway issues a load balancer's Let's Encrypt certificates over HTTP-01 through its port-80
 * frontend (README of components/origin, "Let's Encrypt for the apex"); Let's Encrypt fetches
 * `/.well-known/acme-challenge/<token>` there. Frontend ACLs run by ascending index and the first match
 * acts (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/), so a redirect or deny
 * evaluated before an allow of the challenge path swallows the validation request.
 */
export const scwLbAcmeFirst = stackPolicy<Config>(
  {
    name: "scw-lb-acme-first",
    description: "A load balancer that requests Let's Encrypt certificates has a port-80 frontend whose first ACLs let the ACME challenge path through, before any redirect or deny.",
    severity: "high",
    remediationSteps:
      'Give the port-80 frontend an ACL at index 0 with match { httpFilter: "path_begin", httpFilterValues: ["/.well-known/acme-challenge/"] } and action { type: "allow" }, and move redirects and denies after it.',
    url: "https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/",
    configSchema: {
      properties: {
        challengePrefix: { type: "string", default: "/.well-known/acme-challenge/", description: "Path prefix of Let's Encrypt's HTTP-01 challenge (RFC 8555 §8.3)." },
      },
    },
  },
  ({ resources, ofType, config, report }) => {
    const isAcme = (a: AclEntry) =>
      a.action.type === "allow" && a.match?.httpFilter === "path_begin" && !a.match.invert && (a.match.httpFilterValues ?? []).some((v) => config.challengePrefix.startsWith(v));
    const lbOf = (r: PolicyResource) => r.dependencies.find((d) => (T.lb as readonly string[]).includes(d.type))?.urn;
    const withLetsEncrypt = new Set(
      ofType(T.lbCertificate)
        .filter((c) => (c.props as Partial<LbCertificateProps>).letsencrypt)
        .map(lbOf)
        .filter((u): u is string => u !== undefined),
    );
    for (const lb of ofType(T.lb).filter((l) => withLetsEncrypt.has(l.urn))) {
      const plain = frontendsOf(resources).filter((f) => lbOf(f) === lb.urn && portOf(f) === 80);
      if (plain.length === 0) {
        report(`load balancer ${lb.name} requests a Let's Encrypt certificate but has no port-80 frontend for the HTTP-01 challenge: add one with an HTTP backend.`, lb.urn);
        continue;
      }
      for (const fe of plain) {
        const acls = aclsOf(fe, resources);
        const pass = acls.find(isAcme);
        if (!pass) {
          report(`frontend ${fe.name} (port 80) of ${lb.name} has no ACL letting ${config.challengePrefix} through, so its redirects answer Let's Encrypt's challenge: add an allow on that path at index 0.`, fe.urn);
          continue;
        }
        for (const before of acls.filter((a) => a.index < pass.index && a.action.type !== "allow"))
          report(`frontend ${fe.name} (port 80): ${before.label} (${before.action.type}, index ${before.index}) runs before the ACME pass-through (${pass.label}, index ${pass.index}) and can swallow Let's Encrypt's challenge: give the pass-through the lowest index.`, before.urn);
      }
    }
  },
);
