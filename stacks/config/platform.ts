/**
 * Config shared by every area: where the platform lives (names, Scaleway locality, sovereignty rules).
 */
import { z } from "zod";
import { hostname, type TierRule } from "./common";

export const domainSchema = z
  .strictObject({
    /** The apex domain visitors type. Its DNS stays off Cloudflare (sovereignty); it points at the two LB IPs. */
    apex: hostname,
    /** The Cloudflare zone that serves the main host (a delegated subdomain zone or a separate domain). */
    zone: hostname,
    /** The host visitors are redirected to and Cloudflare proxies; inside `zone`. */
    mainHost: hostname,
    /**
     * Declare the apex A records and the apex's ACME delegation (`_acme-challenge.<apex>` CNAME) in a Scaleway
     * DNS zone (true), or only output them for the zone's owner (false).
     */
    apexDnsManagedHere: z.boolean().default(false),
    /**
     * Only read when `apexDnsManagedHere` is false: the apex zone's owner has added the CNAME
     * `_acme-challenge.<apex>` to the name of `pulumi stack output apexAcmeDelegation`, so Let's Encrypt's DNS-01
     * challenge for the apex can be answered in the Cloudflare zone and the apex certificate may be requested.
     * Leave false on a first deploy; set true once `dig +short CNAME _acme-challenge.<apex>` returns that name.
     */
    apexChallengeDelegated: z.boolean().default(false),
  })
  .superRefine((d, ctx) => {
    if (d.mainHost !== d.zone && !d.mainHost.endsWith(`.${d.zone}`)) {
      ctx.addIssue({ code: "custom", path: ["mainHost"], message: `must be inside the Cloudflare zone ${d.zone}`, input: d.mainHost });
    }
    if (d.apex === d.zone || d.apex.endsWith(`.${d.zone}`)) {
      ctx.addIssue({
        code: "custom",
        path: ["apex"],
        message: `must not be inside the Cloudflare zone ${d.zone}: the apex stays on sovereign DNS and is redirected by the load balancer`,
        input: d.apex,
      });
    }
  });
export type DomainConfig = z.infer<typeof domainSchema>;

const scalewayRegion = z.string().regex(/^[a-z]{2}-[a-z]{3}$/, "must be a Scaleway region such as fr-par");
const scalewayZone = z.string().regex(/^[a-z]{2}-[a-z]{3}-\d$/, "must be a Scaleway zone such as fr-par-1");

export const scalewaySchema = z
  .strictObject({
    /** Region of regional resources (VPC, database, registry, TEM). */
    region: scalewayRegion.default("fr-par"),
    /** Zone of zonal resources (load balancer, instances). */
    zone: scalewayZone.default("fr-par-1"),
    /** The Scaleway project every resource is created in (pinned so a wrong credential cannot deploy elsewhere). */
    projectId: z.uuid("must be the UUID of the Scaleway project"),
    /** The organization owning the project: IAM applications (registry pull, SMTP) are created in it. */
    organizationId: z.uuid("must be the UUID of the Scaleway organization"),
  })
  .superRefine((s, ctx) => {
    if (!s.zone.startsWith(`${s.region}-`)) {
      ctx.addIssue({ code: "custom", path: ["zone"], message: `must be a zone of region ${s.region}`, input: s.zone });
    }
  });
export type ScalewayConfig = z.infer<typeof scalewaySchema>;

export const sovereigntySchema = z.strictObject({
  /** Scaleway regions resources may live in. */
  allowedRegions: z.array(scalewayRegion).min(1).default(["fr-par"]),
  /** Scaleway zones resources may live in. */
  allowedZones: z.array(scalewayZone).min(1).default(["fr-par-1", "fr-par-2"]),
  /** Keep database backups in the database's own region. */
  requireSameRegionBackups: z.boolean().default(true),
});
export type SovereigntyConfig = z.infer<typeof sovereigntySchema>;

export const sovereigntyTierRules: TierRule<SovereigntyConfig> = (s, tier) =>
  tier === "prod" && !s.requireSameRegionBackups
    ? [{ path: ["requireSameRegionBackups"], message: "must be true in prod (backups stay in the sovereign region)", value: false }]
    : [];
