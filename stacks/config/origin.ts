/**
 * Scaleway origin config: network, load balancer, app fleet and the capacity model that sizes it.
 * See components/origin and components/fleet.
 */
import { z } from "zod";
import { ipv4Cidr, positiveInt, type TierIssue, type TierRule } from "./common";

export const networkSchema = z.strictObject({
  /** IPv4 subnet of the private network the fleet and the database share. */
  privateSubnet: ipv4Cidr.default("172.16.0.0/22"),
  /**
   * Offer of the Public Gateway that gives the instances (which have no public address) outbound access
   * to the container registry and OS packages, through NAT. https://www.scaleway.com/en/docs/public-gateways/
   */
  egressGatewayType: z.string().min(1).default("VPC-GW-S"),
});
export type NetworkConfig = z.infer<typeof networkSchema>;

/** A Scaleway availability zone name (fr-par-1, nl-ams-2, ...). */
const zoneName = z.string().regex(/^[a-z]{2}-[a-z]{3}-\d$/, "must be a Scaleway zone such as fr-par-1");

export const originSchema = z.strictObject({
  /**
   * Zones of the load balancers, one each (one flexible IPv4 per load balancer); the fleet runs one
   * instance group per load balancer in its zone. Two zones of the region keep one serving when a zone fails.
   */
  zones: z.array(zoneName).min(1, "must list one or two zones").max(2, "must list one or two zones").default(["fr-par-1", "fr-par-2"]),
  /** Also give each load balancer a flexible IPv6. */
  ipv6: z.boolean().default(false),
  /** Scaleway load balancer offer (list them with `scw lb lb-types list`). */
  loadBalancerType: z.string().min(1).default("LB-GP-M"),
  /** TLS profile of the 443 frontend (Mozilla levels); `old` is refused. */
  tlsCompatibility: z.enum(["intermediate", "modern"]).default("intermediate"),
  /**
   * CSR (PEM) for the Cloudflare Origin CA certificate the load balancer presents for the main host; its
   * private key is the secret `renfort:originTlsPrivateKey`. Make both with
   * `openssl req -new -newkey rsa:2048 -nodes -keyout origin.key -subj "/CN=<main host>"`.
   */
  certificateSigningRequest: z.string().startsWith("-----BEGIN CERTIFICATE REQUEST-----", "must be a PEM certificate signing request"),
  /** Validity requested for the Cloudflare Origin CA certificate, days. */
  originCertificateValidityDays: z.union([z.literal(7), z.literal(30), z.literal(90), z.literal(365), z.literal(730), z.literal(1095), z.literal(5475)]).default(5475),
  /** TTL of the apex A records handed to the apex zone's owner (or declared in Scaleway DNS), seconds. */
  apexRecordTtl: z.number().int("must be an integer").min(60, "must be an integer >= 60").max(86400, "must be an integer <= 86400").default(3600),
  /**
   * The apex's Let's Encrypt certificate: one certificate obtained over DNS-01 (lego's Cloudflare provider
   * answers the challenge in the Cloudflare zone, through the `_acme-challenge.<apex>` CNAME) and uploaded to
   * every load balancer. Renewed by a `pulumi up` once fewer than `minDaysRemaining` days are left
   * (.github/workflows/apex-certificate.yml runs one daily). The DNS token is the secret `renfort:acmeDnsApiToken`.
   */
  apexCertificate: z
    .strictObject({
      /** Let's Encrypt directory: `letsencrypt` (production, trusted) or `letsencrypt-staging` (untrusted test certificates, far higher rate limits). */
      acmeDirectory: z.enum(["letsencrypt", "letsencrypt-staging"]).default("letsencrypt"),
      /** Renew when fewer days than this remain (Let's Encrypt certificates last 90 days; it advises renewing with a third left). */
      minDaysRemaining: z.number().int("must be an integer").min(7, "must be an integer >= 7").max(60, "must be an integer <= 60").default(30),
      /** The expiry check warns when a load balancer serves the apex a certificate with fewer days left than this (below minDaysRemaining: renewal has failed). */
      expiryWarningDays: z.number().int("must be an integer").min(1, "must be an integer >= 1").max(59, "must be an integer <= 59").default(21),
    })
    .refine((a) => a.expiryWarningDays < a.minDaysRemaining, {
      message: "must be lower than minDaysRemaining: the warning is for a renewal that did not happen",
      path: ["expiryWarningDays"],
    })
    .prefault({}),
  /**
   * Generations of the origin-auth secret, the header Cloudflare adds and the load balancers require (each
   * generation is a random value the program generates and keeps secret). The edge sends `current`; the load
   * balancers accept `current` and, during a rotation, `previous`. Rotate: set `current` to a new number and
   * `previous` to the old one, deploy; in the next release remove `previous` (components/origin/README.md).
   */
  originAuth: z
    .strictObject({
      current: z.number().int("must be an integer >= 1").min(1, "must be an integer >= 1"),
      previous: z.number().int("must be an integer >= 1").min(1, "must be an integer >= 1").optional(),
    })
    .refine((a) => a.previous !== a.current, { message: "previous must differ from current: remove previous once the rotation is done", path: ["previous"] })
    .default({ current: 1 }),
});
export type OriginConfig = z.infer<typeof originSchema>;

export const fleetSchema = z.strictObject({
  /** Instance offer of each app server. */
  instanceType: z.string().min(1).default("PRO2-S"),
  /** Lowest number of instances whatever the capacity model says (availability floor). */
  minInstances: z.number().int("must be an integer").min(0, "must be an integer >= 0"),
  /** Highest number of instances the autoscaler may run. */
  maxInstances: z.number().int("must be an integer").min(1, "must be an integer >= 1"),
  /**
   * Block Storage snapshot the instances boot from, per zone (snapshots are zonal): an Ubuntu 24.04
   * image's root snapshot, or the project's own golden image. Find them with
   * `scw block snapshot list zone=<zone>`; each zone's template clones its snapshot for every instance.
   * https://www.scaleway.com/en/docs/autoscaling/
   */
  bootSnapshotIds: z.record(zoneName, z.uuid("must be the UUID of a Block Storage snapshot (scw block snapshot list zone=<zone>)")),
  /** How long `pulumi up` waits for a release's instances to pass the load balancers' health checks, seconds. */
  healthGateTimeoutSeconds: z.number().int("must be an integer").min(60, "must be an integer >= 60").max(3600, "must be an integer <= 3600").default(900),
  image: z.strictObject({
    /**
     * Private registry namespace the fleet pulls from (created by this stack). Names are unique per
     * region across Scaleway, so make it specific, e.g. renfort-prod.
     */
    namespace: z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}[a-z0-9]$/, "must be 4-64 lower-case letters, digits and dashes (a Scaleway registry namespace name)"),
    /** Repository of the app image inside the project's registry namespace. */
    repository: z.string().regex(/^[a-z0-9][a-z0-9._/-]*$/, "must be a lower-case image repository name"),
    /** Image digest the fleet runs; tags are mutable, digests are not. */
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be an image digest sha256:<64 hex digits> (tags are mutable)"),
  }),
  /** Port the app listens on inside each instance. */
  appPort: z.number().int().min(1024).max(65535).default(8080),
  /** PostgreSQL connections each instance's pool may open. */
  poolSize: positiveInt.default(20),
  /** Root volume of each instance, GB. */
  rootVolumeGb: positiveInt.default(20),
});
export type FleetConfig = z.infer<typeof fleetSchema>;

export const fleetTierRules: TierRule<FleetConfig> = (f, tier) => {
  const issues = [];
  // Two instances in prod so that one can fail or be replaced while the other serves.
  const floor = tier === "prod" ? 2 : 1;
  if (f.minInstances < floor) {
    issues.push({ path: ["minInstances"], message: `must be an integer >= ${floor}${tier === "prod" ? " in prod" : ""}`, value: f.minInstances });
  }
  if (f.maxInstances < f.minInstances) {
    issues.push({ path: ["maxInstances"], message: `must be >= fleet.minInstances (${f.minInstances})`, value: f.maxInstances });
  }
  return issues;
};

/** A staging directory's certificates are not trusted by browsers: prod serves the apex with a production one. */
export const originTierRules: TierRule<OriginConfig> = (o, tier) =>
  tier === "prod" && o.apexCertificate.acmeDirectory !== "letsencrypt"
    ? [{ path: ["apexCertificate", "acmeDirectory"], message: "must be letsencrypt in prod (a staging certificate is not trusted by browsers)", value: o.apexCertificate.acmeDirectory }]
    : [];

/** Cross-area rules: every load balancer zone is in the region and has a boot snapshot. */
export function originZoneRules(origin: OriginConfig, fleet: FleetConfig, region: string): TierIssue[] {
  const issues: TierIssue[] = [];
  origin.zones.forEach((zone, i) => {
    if (!zone.startsWith(`${region}-`)) issues.push({ path: ["origin", "zones", i], message: `must be a zone of renfort:scaleway.region (${region})`, value: zone });
    if (!(zone in fleet.bootSnapshotIds)) {
      issues.push({ path: ["fleet", "bootSnapshotIds", zone], message: `must be set: each load balancer zone needs its Block Storage snapshot (scw block snapshot list zone=${zone})`, value: undefined });
    }
  });
  return issues;
}

export const capacitySchema = z.strictObject({
  /** Signups per second the platform must hold (600 on launch night). */
  targetSignupsPerSecond: z.number().positive("must be > 0"),
  /** Safety factor over the target (1.5 = 50% spare). */
  headroom: z.number().min(1, "must be >= 1"),
  /** Signups per second one instance holds within the SLO, measured by `npm run loadtest` and written by `npm run capacity`. */
  signupsPerSecondPerInstance: z.number().positive("must be > 0"),
  /** When that figure was measured (ISO 8601). */
  measuredAt: z.string().optional(),
  /** The load-campaign report it comes from. */
  measurementSource: z.string().optional(),
  /**
   * Prod only runs a per-instance figure no campaign measured (no measuredAt/measurementSource) with this
   * waiver: why, and the last day (YYYY-MM-DD, UTC) it holds. It shows in the plan and its diff.
   */
  unmeasuredWaiver: z
    .strictObject({
      reason: z.string().trim().min(1, "must say why the figure is not measured"),
      until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a YYYY-MM-DD date"),
    })
    .optional(),
  /** Connections kept free on the database for migrations, admin and monitoring. */
  connectionReserve: z.number().int().min(0).default(20),
});
export type CapacityConfig = z.infer<typeof capacitySchema>;

/** Where the per-instance figure comes from, as the plan shows it (plan.capacity.provenance). */
export type CapacityProvenance =
  | { status: "measured"; measuredAt: string; measurementSource: string }
  | { status: "unmeasured" }
  | { status: "waived" | "waiver-expired"; reason: string; until: string };

/**
 * The provenance of renfort:capacity.signupsPerSecondPerInstance, and the posture problem it makes in prod:
 * a figure no campaign measured sizes the launch fleet on a guess, so prod needs a waiver that says why and
 * until when (the day `until` included, UTC). `now` is the clock, injectable for tests.
 */
export function capacityProvenance(capacity: CapacityConfig, tier: "staging" | "prod", now: Date): { provenance: CapacityProvenance; issues: TierIssue[] } {
  if (capacity.measuredAt && capacity.measurementSource) {
    return { provenance: { status: "measured", measuredAt: capacity.measuredAt, measurementSource: capacity.measurementSource }, issues: [] };
  }
  const waiver = capacity.unmeasuredWaiver;
  const fix = "measure one instance (npm run loadtest, then npm run capacity --stack <stack> --from <report>)";
  if (!waiver) {
    const issues: TierIssue[] =
      tier === "prod"
        ? [{ path: ["signupsPerSecondPerInstance"], message: `was measured by no load campaign (no measuredAt/measurementSource): ${fix}, or set renfort:capacity.unmeasuredWaiver { reason, until } in prod`, value: capacity.signupsPerSecondPerInstance }]
        : [];
    return { provenance: { status: "unmeasured" }, issues };
  }
  // The waiver holds through its `until` day: it lapses at the next UTC midnight.
  const expired = now.getTime() >= Date.parse(`${waiver.until}T00:00:00Z`) + 24 * 3600 * 1000;
  const issues: TierIssue[] =
    expired && tier === "prod" ? [{ path: ["unmeasuredWaiver", "until"], message: `has passed (today is ${now.toISOString().slice(0, 10)}): ${fix}, or renew the waiver with a reason`, value: waiver.until }] : [];
  return { provenance: { status: expired ? "waiver-expired" : "waived", reason: waiver.reason, until: waiver.until }, issues };
}
