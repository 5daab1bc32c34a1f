/**
 * Maps the typed stack config onto the Origin component's args (the component never reads config).
 */
import type * as pulumi from "@pulumi/pulumi";
import { apexCertificateWanted, missingSecretProblem, type RenfortConfig } from "../config";
import type { StackSecrets } from "../load";
import { Origin, type OriginArgs } from "../../components/origin/index";
import { withArgKeys, type ArgKeys } from "./problems";

export interface OriginDeps {
  privateNetworkId: pulumi.Input<string>;
}

/** The component's args for a stack; pure, so tests can read what each stack asks for. */
export function originArgsFromConfig(cfg: RenfortConfig, secrets: Pick<StackSecrets, "originTlsPrivateKey" | "acmeDnsApiToken">, deps: OriginDeps): OriginArgs {
  const o = cfg.origin;
  // The stack loader refuses a config wanting the apex certificate without the token (secretsRequiredBy);
  // callers that bypass it get the same message.
  const wanted = apexCertificateWanted(cfg.domain);
  if (wanted && !secrets.acmeDnsApiToken) throw new Error(missingSecretProblem("acmeDnsApiToken"));
  return {
    zones: [...o.zones],
    privateNetworkId: deps.privateNetworkId,
    loadBalancerType: o.loadBalancerType,
    tlsCompatibility: o.tlsCompatibility,
    ipv6: o.ipv6,
    mainHost: cfg.domain.mainHost,
    apex: cfg.domain.apex,
    apexDnsManagedHere: cfg.domain.apexDnsManagedHere,
    acmeChallengeZone: cfg.domain.zone,
    ...(wanted && secrets.acmeDnsApiToken
      ? {
          apexCertificate: {
            dnsApiToken: secrets.acmeDnsApiToken,
            acmeDirectory: o.apexCertificate.acmeDirectory,
            minDaysRemaining: o.apexCertificate.minDaysRemaining,
          },
        }
      : {}),
    apexRecordTtl: o.apexRecordTtl,
    appPort: cfg.fleet.appPort,
    originCertificate: { csr: o.certificateSigningRequest, privateKey: secrets.originTlsPrivateKey, validityDays: o.originCertificateValidityDays },
    // Staging IPs may come and go (turned off explicitly); prod's are in DNS everywhere (the component's default).
    protectAddresses: cfg.tier === "prod",
    originAuthGenerations: { ...o.originAuth },
    resourceName: `renfort-${cfg.tier}`,
    tags: ["renfort", `renfort-tier-${cfg.tier}`],
  };
}

/** Config key of each argument the origin names in its messages. */
export const ORIGIN_ARG_KEYS: ArgKeys = {
  apex: "domain.apex",
  mainHost: "domain.mainHost",
  apexDnsManagedHere: "domain.apexDnsManagedHere",
  acmeChallengeZone: "domain.zone",
  apexRecordTtl: "origin.apexRecordTtl",
  "originCertificate.privateKey": "originTlsPrivateKey",
};

export function createOrigin(cfg: RenfortConfig, secrets: StackSecrets, deps: OriginDeps, opts: pulumi.ComponentResourceOptions): Origin {
  return withArgKeys(ORIGIN_ARG_KEYS, () => new Origin("renfort-origin", originArgsFromConfig(cfg, secrets, deps), opts));
}
