/**
 * Cloudflare edge config: TLS, HSTS, WAF, geo bans, rate limits. See components/edge.
 */
import { z } from "zod";
import { positiveInt, type TierRule } from "./common";

const cloudflareId = z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lower-case hex Cloudflare id");

const rateLimitSchema = z.strictObject({
  /** Requests one visitor (IP, per Cloudflare data centre) may send per period before being blocked. */
  requestsPerPeriod: positiveInt,
  /** Counting window, seconds (10, 60, 120, 300, 600 or 3600 depending on the plan). */
  periodSeconds: z.union([z.literal(10), z.literal(60), z.literal(120), z.literal(300), z.literal(600), z.literal(3600)]),
  /** How long a visitor over the limit stays blocked, seconds. */
  mitigationTimeoutSeconds: z.number().int().min(0).max(86400),
});

export const edgeSchema = z.strictObject({
  /** Cloudflare zone id of `renfort:domain.zone` (pinned: the program never looks it up). */
  zoneId: cloudflareId,
  /** Cloudflare account id owning the zone. */
  accountId: cloudflareId,
  /** The zone's plan: decides which managed rulesets and rate-limit periods are available. */
  plan: z.enum(["free", "pro", "business", "enterprise"]),
  /** Lowest TLS version the edge accepts. */
  minTlsVersion: z.enum(["1.0", "1.1", "1.2", "1.3"]).default("1.2"),
  hsts: z
    .strictObject({
      /** Strict-Transport-Security max-age, seconds. */
      maxAgeSeconds: z.number().int().min(0).default(31536000),
      /** Ask browsers to preload the host (hard to undo: https://hstspreload.org/#removal). */
      preload: z.boolean().default(false),
    })
    .prefault({}),
  waf: z
    .strictObject({
      /** Execute the OWASP Core Ruleset as well as the Cloudflare Managed Ruleset (Pro plan and up). */
      owaspCore: z.boolean().default(true),
    })
    .prefault({}),
  /** ISO 3166-1 alpha-2 codes of countries whose traffic is blocked. Never FR or a French overseas territory. */
  geoBans: z.array(z.string()).default([]),
  /** Path prefixes that get a managed challenge (admin and other sensitive areas). */
  sensitivePaths: z.array(z.string().startsWith("/", "must start with /")).default(["/admin", "/api/admin"]),
  rateLimits: z.strictObject({
    /** POST /api/volunteers and the signup form. */
    signup: rateLimitSchema,
    /** Every other write under /api/. */
    apiWrites: rateLimitSchema,
  }),
});
export type EdgeConfig = z.infer<typeof edgeSchema>;

export const edgeTierRules: TierRule<EdgeConfig> = (e, tier) => {
  if (tier !== "prod") return [];
  const issues = [];
  if (e.minTlsVersion !== "1.2" && e.minTlsVersion !== "1.3") {
    issues.push({ path: ["minTlsVersion"], message: 'must be "1.2" or "1.3" in prod', value: e.minTlsVersion });
  }
  if (e.hsts.maxAgeSeconds < 31536000) {
    issues.push({ path: ["hsts", "maxAgeSeconds"], message: "must be >= 31536000 (one year) in prod", value: e.hsts.maxAgeSeconds });
  }
  return issues;
};
