/**
 * Cloudflare's published edge ranges (data/cloudflare-ips.json), the one copy read by the program and by
 * the policy pack:
 * - components/origin: the only sources the load balancer lets reach the main host (origin lock), and the
 *   proxies whose `CF-Connecting-IP` the app trusts (`TRUSTED_PROXIES`);
 * - policies (`scw-lb-origin-lock`): the only sources an allow ACL may name.
 *
 * Source: https://www.cloudflare.com/ips-v4 and https://www.cloudflare.com/ips-v6 (also the Cloudflare API
 * `GET /ips` and `cloudflare.getIpRanges`). It is data in the repository, not a live lookup, so that a
 * preview needs no network and a review sees exactly which ranges are trusted. When Cloudflare changes
 * the list, edit the JSON (ranges and `takenAt`) in one commit: the plan diff shows the ACL and
 * TRUSTED_PROXIES change, and the gate checks against the same list.
 */
// A different base name from the JSON on purpose: Node resolves `data/cloudflare-ips` to the .json before
// a .ts (the policy pack runs under ts-node), which would hand importers the raw file.
import raw from "./cloudflare-ips.json";

export const CLOUDFLARE_IPS_FILE = "data/cloudflare-ips.json";

export interface CloudflareIps {
  source: string;
  /** Date the list was transcribed from the published files (YYYY-MM-DD). */
  takenAt: string;
  ipv4: readonly string[];
  ipv6: readonly string[];
}

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-f]{1,4}(:[0-9a-f]{0,4}){1,7}\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

/** Checks the file's shape; every message names the file and the field. */
export function parseCloudflareIps(value: unknown, file = CLOUDFLARE_IPS_FILE): CloudflareIps {
  const v = value as Partial<Record<keyof CloudflareIps, unknown>>;
  const fail = (field: string, why: string): never => {
    throw new Error(`${file}: ${field} ${why}`);
  };
  if (typeof v?.source !== "string" || v.source.length === 0) fail("source", "must name where the list was taken");
  if (typeof v.takenAt !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v.takenAt)) fail("takenAt", "must be a YYYY-MM-DD date");
  const list = (field: "ipv4" | "ipv6", pattern: RegExp): string[] => {
    const items = v[field];
    if (!Array.isArray(items) || items.length === 0) return fail(field, "must be a non-empty array of CIDRs");
    items.forEach((c, i) => {
      if (typeof c !== "string" || !pattern.test(c)) fail(`${field}.${i}`, `is not an ${field === "ipv4" ? "IPv4" : "IPv6"} CIDR: ${JSON.stringify(c)}`);
    });
    if (new Set(items).size !== items.length) fail(field, "lists a range twice");
    return items as string[];
  };
  return { source: v.source as string, takenAt: v.takenAt as string, ipv4: list("ipv4", IPV4_CIDR), ipv6: list("ipv6", IPV6_CIDR) };
}

export const CLOUDFLARE_IPS: CloudflareIps = parseCloudflareIps(raw);

/** Every Cloudflare range, IPv4 first, in the published order. */
export function cloudflareRanges(): string[] {
  return [...CLOUDFLARE_IPS.ipv4, ...CLOUDFLARE_IPS.ipv6];
}
