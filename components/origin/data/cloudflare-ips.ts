/**
 * Cloudflare's published edge ranges: the only sources allowed to reach the main host on the load
 * balancer (origin lock), and the proxies whose `CF-Connecting-IP` the app trusts.
 *
 * Source: https://www.cloudflare.com/ips-v4 and https://www.cloudflare.com/ips-v6 (also returned by the
 * Cloudflare API `GET /ips` and `cloudflare.getIpRanges`). The list changes rarely; when it does, update
 * both arrays and `takenAt` in one commit, so that the plan diff shows the ACL and TRUSTED_PROXIES change.
 * It is data in the repository (not a live lookup) so that a preview needs no network and a review sees
 * exactly which ranges are trusted. policies/data/cloudflare-ips.json holds the same list for the gate.
 */
export const CLOUDFLARE_IPS = {
  source: "https://www.cloudflare.com/ips/",
  /** Date the list was transcribed from the published files (ISO 8601). */
  takenAt: "2026-11-29",
  ipv4: [
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
  ],
  ipv6: ["2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32"],
} as const;

/** Every Cloudflare range, IPv4 first, in the published order. */
export function cloudflareRanges(): string[] {
  return [...CLOUDFLARE_IPS.ipv4, ...CLOUDFLARE_IPS.ipv6];
}
