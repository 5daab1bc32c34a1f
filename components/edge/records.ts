/**
 * The main host's DNS records: two proxied A records, one per dedicated origin IP. Two proxied records
 * with the same name make Cloudflare spread requests across both addresses.
 * https://developers.cloudflare.com/dns/manage-dns-records/reference/proxied-dns-records/
 */

export class RecordsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordsError";
  }
}

/**
 * Keys by purpose, never list positions: the origin publishes its IPs in a fixed order (its primary and
 * secondary load-balancer addresses), and the record of each keeps its name whatever happens to the
 * other, so replacing one address touches one record, and a reader of the plan sees which is which.
 */
export const ORIGIN_RECORD_KEYS = ["primary", "secondary"] as const;
export type OriginRecordKey = (typeof ORIGIN_RECORD_KEYS)[number];

export interface OriginRecord {
  key: OriginRecordKey;
  /** Fully qualified, no trailing dot: what the API returns, so there is no diff (cloudflare/terraform-provider-cloudflare#5620). */
  name: string;
  content: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Why `ip` cannot be a public origin address, or undefined. Private and special ranges per RFC 6890. */
export function originIpProblem(ip: string): string | undefined {
  if (!IPV4.test(ip)) return `${JSON.stringify(ip)} is not an IPv4 address`;
  const [a, b, c] = ip.split(".").map(Number);
  const special =
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a >= 224;
  return special ? `${ip} is a private or special-purpose address: Cloudflare could not reach it` : undefined;
}

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The main host as the API returns record names: fully qualified, lower case, no trailing dot. */
export function mainHostName(mainHost: string): string {
  const name = mainHost.replace(/\.$/, "");
  if (!HOST.test(name)) throw new RecordsError(`main host ${JSON.stringify(mainHost)} must be a lower-case fully qualified host name`);
  return name;
}

/** The origin's addresses by purpose; exactly two distinct public IPv4 addresses, primary first. */
export function originAddresses(ips: readonly string[]): Record<OriginRecordKey, string> {
  if (ips.length !== ORIGIN_RECORD_KEYS.length) {
    throw new RecordsError(`the origin must publish exactly 2 IP addresses (its two dedicated IPs), got ${ips.length}: ${ips.join(", ")}`);
  }
  for (const ip of ips) {
    const problem = originIpProblem(ip);
    if (problem) throw new RecordsError(`origin IP ${problem}`);
  }
  if (ips[0] === ips[1]) throw new RecordsError(`the origin's two IP addresses must differ, got ${ips[0]} twice`);
  return { primary: ips[0], secondary: ips[1] };
}

/** The records for `mainHost` and the origin's IPs. */
export function originRecords(mainHost: string, ips: readonly string[]): OriginRecord[] {
  const name = mainHostName(mainHost);
  const addresses = originAddresses(ips);
  return ORIGIN_RECORD_KEYS.map((key) => ({ key, name, content: addresses[key] }));
}
