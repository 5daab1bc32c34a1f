/**
 * Cloudflare edge config: TLS, HSTS, WAF, geo bans, rate limits. See components/edge (its README says
 * what each key protects against).
 */
import { z } from "zod";
import { positiveInt, type TierIssue, type TierRule } from "./common";

const cloudflareId = z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lower-case hex Cloudflare id");

const rateLimitSchema = z.strictObject({
  /** Requests one visitor (IP, per Cloudflare data centre) may send per period before being blocked. */
  requestsPerPeriod: positiveInt,
  /** Counting window, seconds (10, 60, 120, 300, 600 or 3600 depending on the plan). */
  periodSeconds: z.union([z.literal(10), z.literal(60), z.literal(120), z.literal(300), z.literal(600), z.literal(3600)]),
  /** How long a visitor over the limit stays blocked, seconds. */
  mitigationTimeoutSeconds: z.number().int().min(0).max(86400),
});


/** A path prefix: a slash, then URL path characters; never "/" alone (that would challenge the whole site). */
const pathPrefix = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*$/, "must be a path prefix such as /admin (a slash, then letters, digits, - _ . ~ /)")
  .refine((p) => p !== "/", "must not be / alone: that would put the whole site behind a challenge");

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
  geoBans: z
    .array(z.string())
    .default([])
    .superRefine((codes, ctx) => {
      codes.forEach((code, i) => {
        if (codes.indexOf(code) !== i) {
          ctx.addIssue({ code: "custom", path: [i], message: `must not repeat ${code} (already at index ${codes.indexOf(code)})`, input: code });
        }
      });
    }),
  /** Path prefixes that get a managed challenge (admin and other sensitive areas). */
  sensitivePaths: z.array(pathPrefix).min(1, "must list at least one path prefix").default(["/admin"]),
  rateLimits: z.strictObject({
    /** POST /api/volunteers and the signup form. */
    signup: rateLimitSchema,
    /** Every other write under /api/. */
    apiWrites: rateLimitSchema,
  }),
});
// The zone's plan limits, the banned countries and the HSTS preload floor are the edge component's own
// rules (components/edge/check.ts): stacks/wiring checks them on the mapped args and names the keys.
export type EdgeConfig = z.infer<typeof edgeSchema>;

/**
 * The fewest requests per minute a prod rate limit may allow one address: a town hall or a school signs
 * up a whole group from one NAT address within a minute, and every one of them must get through. Same
 * floor as the policy gate's `cf-rate-limit-signup.minRequestsPerMinute` in policies/config/prod.json.
 */
export const PROD_MIN_REQUESTS_PER_MINUTE = 60;

export const edgeTierRules: TierRule<EdgeConfig> = (e, tier) => {
  if (tier !== "prod") return [];
  const issues: TierIssue[] = [];
  if (e.minTlsVersion !== "1.2" && e.minTlsVersion !== "1.3") {
    issues.push({ path: ["minTlsVersion"], message: 'must be "1.2" or "1.3" in prod', value: e.minTlsVersion });
  }
  if (e.hsts.maxAgeSeconds < 31536000) {
    issues.push({ path: ["hsts", "maxAgeSeconds"], message: "must be >= 31536000 (one year) in prod", value: e.hsts.maxAgeSeconds });
  }
  if (!e.waf.owaspCore) {
    issues.push({ path: ["waf", "owaspCore"], message: "must be true in prod (OWASP Core Ruleset, Pro plan and up)", value: e.waf.owaspCore });
  }
  for (const [name, limit] of Object.entries(e.rateLimits)) {
    const perMinute = (limit.requestsPerPeriod * 60) / limit.periodSeconds;
    if (perMinute < PROD_MIN_REQUESTS_PER_MINUTE) {
      issues.push({
        path: ["rateLimits", name, "requestsPerPeriod"],
        message: `must allow at least ${PROD_MIN_REQUESTS_PER_MINUTE} requests per minute in prod (many volunteers share one address in a town hall or a school), i.e. >= ${Math.ceil((PROD_MIN_REQUESTS_PER_MINUTE * limit.periodSeconds) / 60)} per ${limit.periodSeconds} s`,
        value: limit.requestsPerPeriod,
      });
    }
  }
  return issues;
};
