/**
 * Values that can never be real, used in committed stack files as clearly-marked placeholders: addresses of
 * the documentation ranges (RFC 5737 for IPv4, RFC 3849 for IPv6) and obvious placeholder ids. One copy, read
 * by the program's entry point (stacks/index.ts refuses them on `pulumi up`, warns in a preview), by the
 * database component (an ACL rule for such an address is marked PLACEHOLDER), by the offline plan (lists
 * them) and by the policy pack (`scw-db-acl-documentation-range`).
 *
 * https://www.rfc-editor.org/rfc/rfc5737 (192.0.2.0/24 TEST-NET-1, 198.51.100.0/24 TEST-NET-2,
 * 203.0.113.0/24 TEST-NET-3: "SHOULD NOT be used on the public Internet"), https://www.rfc-editor.org/rfc/rfc3849.
 */
import { BlockList, isIPv4 } from "node:net";

export const DOCUMENTATION_RANGES = [
  { cidr: "192.0.2.0/24", name: "RFC 5737 TEST-NET-1" },
  { cidr: "198.51.100.0/24", name: "RFC 5737 TEST-NET-2" },
  { cidr: "203.0.113.0/24", name: "RFC 5737 TEST-NET-3" },
  { cidr: "2001:db8::/32", name: "RFC 3849 IPv6 documentation prefix" },
] as const;

/** Description the database component gives an ACL rule whose address is a placeholder. */
export const PLACEHOLDER_MARK = "PLACEHOLDER";

/** The documentation range an address or CIDR (by its network address) falls in, or undefined. */
export function documentationRangeOf(addressOrCidr: string): string | undefined {
  const address = addressOrCidr.trim().split("/")[0];
  const family = isIPv4(address) ? "ipv4" : "ipv6";
  for (const r of DOCUMENTATION_RANGES) {
    const [net, prefix] = r.cidr.split("/");
    const list = new BlockList();
    const rangeFamily = isIPv4(net) ? "ipv4" : "ipv6";
    if (rangeFamily !== family) continue;
    list.addSubnet(net, Number(prefix), rangeFamily);
    try {
      if (list.check(address, family)) return `${r.cidr} (${r.name})`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Obvious placeholder ids: an all-zero UUID, or words that say "fill me in". */
const PLACEHOLDER_ID = /^(0{8}-0{4}-0{4}-0{4}-0{12}|x{6,}|0{16,}|(replace|change|fill)[-_ ]?me.*|todo|tbd|placeholder.*|<[^>]+>)$/i;

export interface Placeholder {
  /** Full config key, e.g. `renfort:database.adminAccess.allowedCidrs[0]`. */
  key: string;
  value: string;
  why: string;
}

/** Every placeholder in a stack's raw `renfort` config (namespace stripped), in key order. */
export function placeholdersIn(raw: unknown, namespace = "renfort"): Placeholder[] {
  const out: Placeholder[] = [];
  const walk = (v: unknown, key: string): void => {
    if (typeof v === "string") {
      const range = /^[0-9a-f:.]+(\/\d+)?$/i.test(v) && (v.includes(".") || v.includes(":")) ? documentationRangeOf(v) : undefined;
      if (range) out.push({ key, value: v, why: `an address of the documentation range ${range}, never a real one` });
      else if (PLACEHOLDER_ID.test(v.trim())) out.push({ key, value: v, why: "an obvious placeholder, not a real value" });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${key}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, key.endsWith(":") ? `${key}${k}` : `${key}.${k}`);
  };
  if (raw && typeof raw === "object") for (const [k, v] of Object.entries(raw)) walk(v, `${namespace}:${k}`);
  return out;
}
