/**
 * Maps the typed stack config onto the Origin component's args (the component never reads config).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RenfortConfig } from "../../stacks/config";
import type { StackSecrets } from "../../stacks/load";
import { parseMaxConnections } from "../fleet/capacity";
import { cloudflareRanges } from "../../data/cloudflare-ranges";
import { Origin, type OriginArgs } from "./index";

export interface OriginDeps {
  privateNetworkId: pulumi.Input<string>;
  /** Secret. */
  appDatabaseUrl: pulumi.Input<string>;
  /** Secret. */
  smtpUrl: pulumi.Input<string>;
}

/** The component's args for a stack; pure, so tests can read what each stack asks for. */
export function originArgsFromConfig(cfg: RenfortConfig, secrets: Pick<StackSecrets, "originTlsPrivateKey" | "adminToken">, deps: OriginDeps): OriginArgs {
  const { origin: o, fleet: f, capacity: c } = cfg;
  return {
    zone: cfg.scaleway.zone,
    region: cfg.scaleway.region,
    projectId: cfg.scaleway.projectId,
    privateNetworkId: deps.privateNetworkId,
    privateSubnet: cfg.network.privateSubnet,
    loadBalancerType: o.loadBalancerType,
    tlsCompatibility: o.tlsCompatibility,
    mainHost: cfg.domain.mainHost,
    apex: cfg.domain.apex,
    apexDnsManagedHere: cfg.domain.apexDnsManagedHere,
    apexDnsPointedHere: cfg.domain.apexDnsPointedHere,
    apexRecordTtl: o.apexRecordTtl,
    originCertificate: { csr: o.certificateSigningRequest, privateKey: secrets.originTlsPrivateKey, validityDays: o.originCertificateValidityDays },
    // Staging IPs may come and go; prod's are in DNS everywhere.
    protectAddresses: cfg.tier === "prod",
    fleet: {
      instanceType: f.instanceType,
      bootSnapshotId: f.bootSnapshotId,
      rootVolumeGb: f.rootVolumeGb,
      image: { namespace: f.image.namespace, repository: f.image.repository, digest: f.image.digest },
      appPort: f.appPort,
      app: {
        mailFrom: cfg.email.sender,
        // The app trusts forwarding headers from Cloudflare (CF-Connecting-IP) and from the load balancer,
        // whose connections come from the private subnet.
        trustedProxies: [...cloudflareRanges(), cfg.network.privateSubnet],
        degradedMode: cfg.app.degradedMode,
        logLevel: cfg.app.logLevel,
      },
      secrets: { databaseUrl: deps.appDatabaseUrl, smtpUrl: deps.smtpUrl, adminToken: secrets.adminToken },
      capacity: {
        targetSignupsPerSecond: c.targetSignupsPerSecond,
        signupsPerSecondPerInstance: c.signupsPerSecondPerInstance,
        headroom: c.headroom,
        minInstances: f.minInstances,
        maxInstances: f.maxInstances,
        poolSize: f.poolSize,
        connectionReserve: c.connectionReserve,
        databaseMaxConnections: parseMaxConnections(cfg.database.settings.max_connections),
        // -1 means unlimited in PostgreSQL: nothing to check against.
        ...(cfg.database.roles.app.connectionLimit >= 0 ? { appRoleConnectionLimit: cfg.database.roles.app.connectionLimit } : {}),
      },
    },
    resourceName: `renfort-${cfg.tier}`,
    tags: ["renfort", `renfort-tier-${cfg.tier}`],
  };
}

export function createOrigin(
  cfg: RenfortConfig,
  secrets: StackSecrets,
  deps: { privateNetworkId: pulumi.Output<string>; appDatabaseUrl: pulumi.Output<string>; smtpUrl: pulumi.Output<string> },
  opts: pulumi.ComponentResourceOptions,
): Origin {
  return new Origin("renfort-origin", originArgsFromConfig(cfg, secrets, deps), opts);
}
