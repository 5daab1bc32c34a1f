/**
 * Building blocks shared by the per-area config schemas.
 */
import { z } from "zod";

export const TIERS = ["staging", "prod"] as const;
export type Tier = (typeof TIERS)[number];

/** A DNS hostname written as Cloudflare and Scaleway return it: lower case, no trailing dot. */
export const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "must be a lower-case fully qualified host name without a trailing dot (for example app.example.fr)",
  );

/** An IPv4 CIDR block. */
export const ipv4Cidr = z
  .string()
  .regex(
    /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/,
    "must be an IPv4 CIDR block such as 203.0.113.0/24",
  );

export const positiveInt = z.number().int("must be an integer").positive("must be > 0");

/** Issues raised by a tier rule: the path inside the area, and the message (`must ...`). */
export interface TierIssue {
  path: (string | number)[];
  message: string;
  value: unknown;
}

/** A rule that only applies to some tiers (prod is stricter than staging, never differently shaped). */
export type TierRule<T> = (value: T, tier: Tier) => TierIssue[];
