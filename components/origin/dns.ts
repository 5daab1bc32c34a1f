/**
 * The apex domain's A records. The apex stays on sovereign DNS (not Cloudflare): these are handed to
 * the zone's owner as plan output, or declared in Scaleway DNS when the Origin's `apexDnsManagedHere` is true.
 */

export interface ApexRecord {
  /** Fully qualified name, no trailing dot. */
  name: string;
  type: "A";
  /** IPv4 address of one of the load balancers. */
  value: string;
  /** Seconds. */
  ttl: number;
}

const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** One A record per load balancer's IPv4, in the load balancers' order (primary first). */
export function apexARecords(apex: string, ips: readonly string[], ttl: number): ApexRecord[] {
  if (ips.length < 1 || ips.length > 2) throw new Error(`the apex needs one or two load balancer IPv4 addresses, got ${ips.length}`);
  if (new Set(ips).size !== ips.length) throw new Error(`the apex A records must point at two different IPs, got ${ips.join(", ")}`);
  for (const ip of ips) {
    if (!IPV4.test(ip)) throw new Error(`the apex A records need IPv4 addresses, got ${JSON.stringify(ip)}`);
  }
  if (!Number.isInteger(ttl) || ttl < 60) throw new Error(`\`apexRecordTtl\` must be an integer >= 60, got ${ttl}`);
  return ips.map((value) => ({ name: apex, type: "A", value, ttl }));
}

/** The TLS profile name the load balancer API takes for a Mozilla level. */
export function sslCompatibilityLevel(level: "intermediate" | "modern"): string {
  // https://www.scaleway.com/en/developers/api/load-balancer/zoned-api/ (ssl_compatibility_level); `old` is never used.
  return level === "modern" ? "ssl_compatibility_level_modern" : "ssl_compatibility_level_intermediate";
}

/**
 * The PEM chain the load balancer takes as a custom certificate: the leaf first, then its private key
 * (https://www.scaleway.com/en/docs/load-balancer/how-to/add-certificate/). Each part ends with a newline.
 */
export function customCertificateChain(certificatePem: string, privateKeyPem: string): string {
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(certificatePem)) {
    throw new Error("the Origin CA certificate returned by Cloudflare is not a PEM certificate");
  }
  // The key is not inspected here: the offline plan only has a placeholder for it, and the load balancer
  // API rejects a key that does not match the certificate. Its value never appears in an error.
  if (privateKeyPem.length === 0) throw new Error("`originCertificate.privateKey` is empty: give the private key of the certificate signing request");
  const withNewline = (s: string) => (s.endsWith("\n") ? s : `${s}\n`);
  return `${withNewline(certificatePem.trim())}${withNewline(privateKeyPem.trim())}`;
}

/**
 * Whether the apex's Let's Encrypt certificates are declared. Let's Encrypt validates the apex over
 * HTTP-01 on port 80 at an address it resolves to, so the apex must resolve to the load balancers: true
 * when the A records are declared here or when the apex zone's owner has pointed them
 * (`apexDnsPointedHere`); `pulumi up` then still waits until public resolvers agree
 * (./apex-resolution.ts) before requesting them. Otherwise the certificate would fail on the first
 * `pulumi up` and hold the 443 frontends back with it.
 * https://letsencrypt.org/docs/challenge-types/#http-01-challenge
 */
export function apexCertificateWanted(apexDnsManagedHere: boolean, apexDnsPointedHere: boolean): boolean {
  return apexDnsManagedHere || apexDnsPointedHere;
}
