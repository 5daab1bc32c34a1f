/**
 * Maps the typed stack config onto the Fleet component's args (the component never reads config).
 */
import * as pulumi from "@pulumi/pulumi";
import type { RenfortConfig } from "../config";
import { maxConnectionsOf } from "../config/database";
import type { StackSecrets } from "../load";
import { cloudflareRanges } from "../../data/cloudflare-ranges";
import { type CapacityInputs, type CapacityVerdict } from "../../components/fleet/capacity";
import { Fleet, type FleetArgs, type FleetLoadBalancer } from "../../components/fleet/index";
import { backstopPerMinute } from "../../components/fleet/cloud-init";
import { nameArgs, withArgKeys, type ArgKeys } from "./problems";

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

/**
 * Config key of each argument the fleet names in its messages: the capacity model's inputs (its verdict's
 * reasons and its refusals) and the values the cloud-init checks.
 */
export const FLEET_ARG_KEYS: ArgKeys = {
  "capacity.targetSignupsPerSecond": "capacity.targetSignupsPerSecond",
  "capacity.signupsPerSecondPerInstance": "capacity.signupsPerSecondPerInstance",
  "capacity.headroom": "capacity.headroom",
  "capacity.connectionReserve": "capacity.connectionReserve",
  "capacity.minInstances": "fleet.minInstances",
  "capacity.maxInstances": "fleet.maxInstances",
  "capacity.poolSize": "fleet.poolSize",
  "capacity.databaseMaxConnections": "database.settings.max_connections",
  "capacity.appRoleConnectionLimit": "database.roles.app.connectionLimit",
  "image.digest": "fleet.image.digest",
  appPort: "fleet.appPort",
  "app.adminAllowedCidrs": "app.adminAllowedCidrs",
  "app.publicUrl": "domain.mainHost",
};

/** The capacity model's inputs for a stack. */
export function capacityArgsFromConfig(cfg: RenfortConfig): CapacityInputs {
  const { fleet: f, capacity: c } = cfg;
  return {
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
  };
}

/** The capacity verdict with its reasons naming config keys instead of the fleet's arguments: what the stack exports and the plan shows. */
export function capacityVerdictByKey(verdict: CapacityVerdict): CapacityVerdict {
  return { ...verdict, reasons: verdict.reasons.map((r) => nameArgs(r, FLEET_ARG_KEYS)) };
}

/** The component's args for a stack; pure, so tests can read what each stack asks for. */
export function fleetArgsFromConfig(cfg: RenfortConfig, secrets: Pick<StackSecrets, "adminToken">, deps: FleetDeps): FleetArgs {
  const f = cfg.fleet;
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
      // the links mailed (account activation) lead to the site's main host, served through the edge
      publicUrl: `https://${cfg.domain.mainHost}`,
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
    capacity: capacityArgsFromConfig(cfg),
    healthGate: { timeoutSeconds: f.healthGateTimeoutSeconds },
    resourceName: `renfort-${cfg.tier}`,
    tags: ["renfort", `renfort-tier-${cfg.tier}`],
  };
}

/** The stack's fleet, and its capacity verdict named by config key (a verdict that is not ok is also a warning of `pulumi up`). */
export function createFleet(cfg: RenfortConfig, secrets: StackSecrets, deps: FleetDeps, opts: pulumi.ComponentResourceOptions): { fleet: Fleet; capacity: CapacityVerdict } {
  const fleet = withArgKeys(FLEET_ARG_KEYS, () => new Fleet("renfort-fleet", fleetArgsFromConfig(cfg, secrets, deps), opts));
  const capacity = capacityVerdictByKey(fleet.capacity);
  for (const reason of capacity.reasons) pulumi.log.warn(`capacity: ${reason}`, fleet);
  return { fleet, capacity };
}
