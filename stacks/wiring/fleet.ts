/**
 * Maps the typed stack config onto the Fleet component's args (the component never reads config).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RenfortConfig } from "../config";
import { maxConnectionsOf } from "../config/database";
import type { StackSecrets } from "../load";
import { cloudflareRanges } from "../../data/cloudflare-ranges";
import { Fleet, type FleetArgs, type FleetLoadBalancer } from "../../components/fleet/index";
import { backstopPerMinute } from "../../components/fleet/cloud-init";

export interface FleetDeps {
  privateNetworkId: pulumi.Input<string>;
  /** The origin's load balancers: one instance group registers in each. */
  loadBalancers: FleetLoadBalancer[];
  /** Secret. */
  appDatabaseUrl: pulumi.Input<string>;
  /** The database instance's CA certificate (PEM, not secret): the fleet writes it where the URL's sslrootcert points. */
  databaseCaCertificate: pulumi.Input<string>;
  /** Secret. */
  smtpUrl: pulumi.Input<string>;
}

/** The component's args for a stack; pure, so tests can read what each stack asks for. */
export function fleetArgsFromConfig(cfg: RenfortConfig, secrets: Pick<StackSecrets, "adminToken">, deps: FleetDeps): FleetArgs {
  const { fleet: f, capacity: c } = cfg;
  return {
    region: cfg.scaleway.region,
    projectId: cfg.scaleway.projectId,
    privateNetworkId: deps.privateNetworkId,
    privateSubnet: cfg.network.privateSubnet,
    loadBalancers: deps.loadBalancers,
    instanceType: f.instanceType,
    bootSnapshotIds: { ...f.bootSnapshotIds },
    rootVolumeGb: f.rootVolumeGb,
    image: { namespace: f.image.namespace, repository: f.image.repository, digest: f.image.digest },
    appPort: f.appPort,
    app: {
      mailFrom: cfg.email.sender,
      // The app trusts forwarding headers from Cloudflare (CF-Connecting-IP) and from the load balancers,
      // whose connections come from the private subnet.
      trustedProxies: [...cloudflareRanges(), cfg.network.privateSubnet],
      degradedMode: cfg.app.degradedMode,
      logLevel: cfg.app.logLevel,
      // One source: the app's backstops come from the edge's own limits (renfort:edge.rateLimits).
      rateLimits: { signupPerMinute: backstopPerMinute(cfg.edge.rateLimits.signup), writesPerMinute: backstopPerMinute(cfg.edge.rateLimits.apiWrites) },
      adminAllowedCidrs: [...cfg.app.adminAllowedCidrs],
    },
    databaseCaCertificate: deps.databaseCaCertificate,
    secrets: { databaseUrl: deps.appDatabaseUrl, smtpUrl: deps.smtpUrl, adminToken: secrets.adminToken },
    capacity: {
      targetSignupsPerSecond: c.targetSignupsPerSecond,
      signupsPerSecondPerInstance: c.signupsPerSecondPerInstance,
      headroom: c.headroom,
      minInstances: f.minInstances,
      maxInstances: f.maxInstances,
      poolSize: f.poolSize,
      connectionReserve: c.connectionReserve,
      databaseMaxConnections: maxConnectionsOf(cfg.database.settings),
      // -1 means unlimited in PostgreSQL: nothing to check against.
      ...(cfg.database.roles.app.connectionLimit >= 0 ? { appRoleConnectionLimit: cfg.database.roles.app.connectionLimit } : {}),
    },
    healthGate: { timeoutSeconds: f.healthGateTimeoutSeconds },
    resourceName: `renfort-${cfg.tier}`,
    tags: ["renfort", `renfort-tier-${cfg.tier}`],
  };
}

export function createFleet(cfg: RenfortConfig, secrets: StackSecrets, deps: FleetDeps, opts: pulumi.ComponentResourceOptions): Fleet {
  return new Fleet("renfort-fleet", fleetArgsFromConfig(cfg, secrets, deps), opts);
}
