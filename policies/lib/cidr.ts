/** IPv4/IPv6 CIDR arithmetic for ACL checks (containment, breadth, private ranges). */
import { isIP } from "node:net";

export interface Cidr {
  version: 4 | 6;
  base: bigint;
  prefix: number;
}

function v4ToBig(ip: string): bigint {
  return ip.split(".").reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n);
}

function v6ToBig(ip: string): bigint {
  let s = ip;
  const v4tail = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4tail) {
    const n = v4ToBig(v4tail[1]);
    s = s.slice(0, -v4tail[1].length) + ((n >> 16n) & 0xffffn).toString(16) + ":" + (n & 0xffffn).toString(16);
  }
  const [head, tail] = s.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || "0", 16)), 0n);
}

/** Parses `a.b.c.d[/n]` or `x:y::z[/n]`; returns undefined when it is not a valid CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, p] = text.trim().split("/");
  const version = isIP(addr);
  if (version !== 4 && version !== 6) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = p === undefined ? bits : Number(p);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || (p !== undefined && !/^\d+$/.test(p))) return undefined;
  const value = version === 4 ? v4ToBig(addr) : v6ToBig(addr);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { version, base: value & mask, prefix };
}

/** True when every address of `inner` is in `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  if (inner.version !== outer.version || inner.prefix < outer.prefix) return false;
  const bits = inner.version === 4 ? 32 : 128;
  const shift = BigInt(bits - outer.prefix);
  return inner.base >> shift === outer.base >> shift;
}

export function withinAny(inner: Cidr, outers: readonly Cidr[]): boolean {
  return outers.some((o) => cidrWithin(inner, o));
}

const PRIVATE = [
  "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
  "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
  "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10", "2001:db8::/32",
].map((c) => parseCidr(c)!);

/** RFC 1918 / RFC 6598 / loopback / link-local / documentation / multicast / reserved (bogons). */
export function isPrivateOrBogon(ip: string): boolean {
  const c = parseCidr(ip);
  return c !== undefined && withinAny(c, PRIVATE);
}
