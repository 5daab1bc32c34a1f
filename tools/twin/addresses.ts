/**
 * Where each part of the twin lives on this machine, and how the addresses the program declares (the
 * Cloudflare ranges of the origin lock, the private subnet the app trusts) map onto loopback.
 *
 * Every part gets its own loopback address inside one /24 (`--base-address`, default 127.0.20.0), so the
 * declared ports (80, 443, 8080, 587, 5432) can be used as they are and the ACLs see real source addresses:
 *
 *   base.1        the edge (Cloudflare stand-in) listening address
 *   base.2        the SMTP server (Scaleway TEM stand-in)
 *   base.3        the PostgreSQL cluster (Scaleway managed database stand-in)
 *   base.10+i     load balancer i, standing for its dedicated IP (i < 22)
 *   base.32+k     Cloudflare's k-th published IPv4 range (data/cloudflare-ips.json order): the edge sends from these
 *   base.128/25   the private network: fleet instance i at base.128+i, load balancer i's private side at base.250-i
 *
 * Linux routes the whole of 127.0.0.0/8 to `lo`, so any of these can be bound without configuration
 * (https://www.rfc-editor.org/rfc/rfc5735#section-3 reserves it for loopback; Linux answers on all of it).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const DEFAULT_BASE_ADDRESS = "127.0.20.0";

/** Cloudflare's published ranges, as the origin component reads them. */
export interface CloudflareRanges {
  ipv4: string[];
  ipv6: string[];
}

export function readCloudflareRanges(root = join(__dirname, "..", "..")): CloudflareRanges {
  const data = JSON.parse(readFileSync(join(root, "data", "cloudflare-ips.json"), "utf8")) as CloudflareRanges;
  return { ipv4: data.ipv4, ipv6: data.ipv6 };
}

export interface AddressPlan {
  /** The /24 everything lives in, as `a.b.c.0`. */
  base: string;
  edge: string;
  smtp: string;
  database: string;
  loadBalancer(i: number): string;
  loadBalancerPrivate(i: number): string;
  instance(i: number): string;
  /** The stand-in of Cloudflare's k-th IPv4 range. */
  cloudflare(k: number): string;
  /** The private network's stand-in subnet. */
  privateSubnet: string;
}

const MAX_LOAD_BALANCERS = 22;
const MAX_CLOUDFLARE_RANGES = 32;
const MAX_INSTANCES = 100;

/** Parses `--base-address`: a loopback `127.x.y.0`. Throws naming the option and the fix. */
export function addressPlan(baseAddress: string = DEFAULT_BASE_ADDRESS): AddressPlan {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.0$/.exec(baseAddress);
  if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) {
    throw new Error(`--base-address must be a loopback /24 written 127.x.y.0 (e.g. ${DEFAULT_BASE_ADDRESS}), got ${JSON.stringify(baseAddress)}`);
  }
  const prefix = `127.${m[1]}.${m[2]}.`;
  const at = (n: number) => `${prefix}${n}`;
  const bounded = (what: string, i: number, max: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= max) throw new Error(`the twin holds at most ${max} ${what} in one /24, asked for number ${i + 1}`);
    return i;
  };
  return {
    base: baseAddress,
    edge: at(1),
    smtp: at(2),
    database: at(3),
    loadBalancer: (i) => at(10 + bounded("load balancers", i, MAX_LOAD_BALANCERS)),
    loadBalancerPrivate: (i) => at(250 - bounded("load balancers", i, MAX_LOAD_BALANCERS)),
    instance: (i) => at(128 + bounded("instances", i, MAX_INSTANCES)),
    cloudflare: (k) => at(32 + bounded("Cloudflare ranges", k, MAX_CLOUDFLARE_RANGES)),
    privateSubnet: `${prefix}128/25`,
  };
}

export interface SubnetMapping {
  plan: AddressPlan;
  cloudflare: CloudflareRanges;
  /** The private subnet the program declares (`renfort:network.privateSubnet`), as the fleet's env carries it. */
  privateSubnet?: string;
}

/**
 * The twin's value for a subnet the program declares (an ACL's `ipSubnets`, the app's TRUSTED_PROXIES):
 * - Cloudflare's k-th IPv4 range → `<base>.(32+k)/32`, the address the edge sends from for that range;
 * - Cloudflare's IPv6 ranges → nothing (the twin is IPv4 only; no client here can come from them);
 * - the declared private subnet → the private network's stand-in `<base>.128/25`;
 * - anything else unchanged: a public subnet contains no loopback address, so it matches no twin client,
 *   exactly as it matches none of them in reality; `0.0.0.0/0` and `::/0` still match every client.
 * Returns a list: empty when the subnet has no stand-in.
 */
export function mapSubnet(subnet: string, m: SubnetMapping): string[] {
  const k = m.cloudflare.ipv4.indexOf(subnet);
  if (k >= 0) return [`${m.plan.cloudflare(k)}/32`];
  if (m.cloudflare.ipv6.includes(subnet)) return [];
  if (m.privateSubnet !== undefined && subnet === m.privateSubnet) return [m.plan.privateSubnet];
  return [subnet];
}

/** {@link mapSubnet} over a list, keeping order and dropping duplicates. */
export function mapSubnets(subnets: readonly string[], m: SubnetMapping): string[] {
  return [...new Set(subnets.flatMap((s) => mapSubnet(s, m)))];
}

/** The source addresses the edge sends from: one per Cloudflare IPv4 range. */
export function cloudflareSourceAddresses(m: Pick<SubnetMapping, "plan" | "cloudflare">): string[] {
  return m.cloudflare.ipv4.map((_, k) => m.plan.cloudflare(k));
}
