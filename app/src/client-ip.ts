import { isIP } from "node:net";

/**
 * Who is the client? Behind Cloudflare and the load balancer every TCP peer is a proxy, so rate limits
 * keyed on the peer would throttle the whole country at once (a lesson of the original launch). The
 * forwarding headers are only believed when the TCP peer is a proxy we trust; from anyone else they
 * are spoofable and ignored.
 * https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip
 */

export interface Cidr {
  family: 4 | 6;
  /** network address as a 32- or 128-bit integer */
  network: bigint;
  prefix: number;
  /** the text it was parsed from, for logs */
  text: string;
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + ((n >> 16n) & 0xffffn).toString(16) + ":" + (n & 0xffffn).toString(16);
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headParts = head ? head.split(":").filter((p) => p !== "") : [];
  const tailParts = tail ? tail.split(":").filter((p) => p !== "") : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = tail === undefined ? headParts : [...headParts, ...Array<string>(missing).fill("0"), ...tailParts];
  return parts.reduce((acc, h) => (acc << 16n) | BigInt(parseInt(h, 16)), 0n);
}

/** Normalises an address: strips an IPv6 zone, unwraps IPv4-mapped IPv6. Undefined when not an IP. */
export function normalizeIp(raw: string | undefined): { family: 4 | 6; value: bigint; text: string } | undefined {
  if (raw === undefined) return undefined;
  let ip = raw.trim();
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  const zone = ip.indexOf("%");
  if (zone >= 0) ip = ip.slice(0, zone);
  const fam = isIP(ip);
  if (fam === 4) {
    const text = ip;
    // the integer is only needed for range checks: computed on demand (this runs on every request)
    return {
      family: 4,
      get value() {
        return ipv4ToBigInt(text);
      },
      text,
    };
  }
  if (fam === 6) {
    const value = ipv6ToBigInt(ip);
    if (value >> 32n === 0xffffn) {
      const v4 = value & 0xffffffffn;
      const text = [24n, 16n, 8n, 0n].map((s) => String((v4 >> s) & 0xffn)).join(".");
      return { family: 4, value: v4, text };
    }
    return { family: 6, value, text: ip.toLowerCase() };
  }
  return undefined;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, prefixText, ...rest] = text.trim().split("/");
  if (rest.length > 0 || addr === undefined) return undefined;
  const ip = normalizeIp(addr);
  if (!ip) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: ip.family, network: ip.value & mask, prefix, text: text.trim() };
}

/** Parses a comma- or whitespace-separated CIDR list (a bare address means /32 or /128). */
export function parseCidrList(text: string): { ok: true; value: Cidr[] } | { ok: false; error: string } {
  const items = text.split(/[\s,]+/).filter((s) => s !== "");
  const value: Cidr[] = [];
  for (const item of items) {
    const c = parseCidr(item);
    if (!c) return { ok: false, error: `has "${item}", which is not an IPv4/IPv6 CIDR such as 173.245.48.0/20 or 2400:cb00::/32` };
    value.push(c);
  }
  return { ok: true, value };
}

/**
 * Trust decisions per peer address. Peers are the proxies in front of us (a handful of addresses),
 * so a small memo avoids redoing the range arithmetic on every request; bounded all the same.
 */
const trustMemo = new WeakMap<readonly Cidr[], Map<string, boolean>>();
function peerTrusted(peer: string, cidrs: readonly Cidr[]): boolean {
  let memo = trustMemo.get(cidrs);
  if (!memo) trustMemo.set(cidrs, (memo = new Map()));
  let v = memo.get(peer);
  if (v === undefined) {
    v = ipInCidrs(peer, cidrs);
    if (memo.size >= 4096) memo.clear();
    memo.set(peer, v);
  }
  return v;
}

export function ipInCidrs(ip: string, cidrs: readonly Cidr[]): boolean {
  const n = normalizeIp(ip);
  if (!n) return false;
  const bits = n.family === 4 ? 32 : 128;
  return cidrs.some((c) => {
    if (c.family !== n.family) return false;
    const mask = c.prefix === 0 ? 0n : ((1n << BigInt(c.prefix)) - 1n) << BigInt(bits - c.prefix);
    return (n.value & mask) === c.network;
  });
}

/**
 * The client address for one request.
 * - Untrusted peer: the peer, whatever the headers say.
 * - Trusted peer: CF-Connecting-IP if it is a valid IP; else X-Forwarded-For read from the right,
 *   skipping hops that are themselves trusted proxies (the left part is client-supplied); else the peer.
 */
export function clientIp(
  peer: string | undefined,
  headers: { [k: string]: string | string[] | undefined },
  trusted: readonly Cidr[],
): string {
  const peerIp = normalizeIp(peer)?.text ?? "unknown";
  if (trusted.length === 0 || !peerTrusted(peerIp, trusted)) return peerIp;
  const cf = headers["cf-connecting-ip"];
  const cfValue = Array.isArray(cf) ? cf[cf.length - 1] : cf;
  const cfIp = normalizeIp(cfValue);
  if (cfIp) return cfIp.text;
  const xff = headers["x-forwarded-for"];
  const hops = (Array.isArray(xff) ? xff.join(",") : (xff ?? "")).split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeIp(hops[i]);
    if (!hop) break; // garbage in the chain: stop believing anything left of it
    if (!ipInCidrs(hop.text, trusted)) return hop.text;
  }
  return peerIp;
}

/**
 * The rate-limit key of a client address: an IPv4 address as is, an IPv6 address by its /64. An IPv6
 * subscriber usually gets a whole /64 (or more), so keying on the full address would let one client
 * rotate through 2^64 keys. https://www.rfc-editor.org/rfc/rfc6177 https://www.rfc-editor.org/rfc/rfc7421
 */
export function rateLimitKey(ip: string): string {
  const n = normalizeIp(ip);
  if (!n) return ip;
  if (n.family === 4) return n.text;
  const network = n.value >> 64n;
  const hextets = [48n, 32n, 16n, 0n].map((s) => ((network >> s) & 0xffffn).toString(16));
  return `${hextets.join(":")}::/64`;
}
