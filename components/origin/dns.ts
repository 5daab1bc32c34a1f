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

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

export interface ChainOptions {
  /** Intermediate certificates (PEM, one or more) between the leaf and the key; Let's Encrypt's `issuer_pem`. */
  intermediatesPem?: string;
  /** What the leaf is, for the error when it is not PEM. */
  certificateFrom?: string;
  /** The error when the key is empty (it names where the key comes from and the fix). */
  emptyKeyMessage?: string;
}

/**
 * The PEM chain the load balancer takes as a custom certificate: the leaf first, then its intermediates,
 * then its private key. The API's field is "Full PEM-formatted certificate, consisting of the entire
 * certificate chain including public key, private key, and (optionally) Certificate Authorities"
 * (scaleway-sdk-go api/lb/v1 `CreateCertificateRequestCustomCertificate`, verified;
 * https://www.scaleway.com/en/docs/load-balancer/how-to/add-certificate/). Each part ends with a newline.
 */
export function customCertificateChain(certificatePem: string, privateKeyPem: string, options: ChainOptions = {}): string {
  if (!PEM_CERTIFICATE.test(certificatePem)) {
    throw new Error(`${options.certificateFrom ?? "the Origin CA certificate returned by Cloudflare"} is not a PEM certificate`);
  }
  const intermediates = (options.intermediatesPem ?? "").trim();
  if (intermediates !== "" && !PEM_CERTIFICATE.test(intermediates)) {
    throw new Error(`the intermediates of ${options.certificateFrom ?? "the certificate"} are not PEM certificates`);
  }
  // The key is not inspected here: the offline plan only has a placeholder for it, and the load balancer
  // API rejects a key that does not match the certificate. Its value never appears in an error.
  if (privateKeyPem.length === 0) {
    throw new Error(options.emptyKeyMessage ?? "`originCertificate.privateKey` is empty: give the private key of the certificate signing request");
  }
  const withNewline = (s: string) => (s.endsWith("\n") ? s : `${s}\n`);
  return [certificatePem, intermediates, privateKeyPem]
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map(withNewline)
    .join("");
}

/** The label Let's Encrypt queries for a DNS-01 challenge (RFC 8555 §8.4). */
export const ACME_CHALLENGE_LABEL = "_acme-challenge";

export interface AcmeDelegation {
  /** `_acme-challenge.<apex>`, fully qualified, no trailing dot. */
  name: string;
  type: "CNAME";
  /** The name in the Cloudflare zone where the challenge's TXT record is written, no trailing dot. */
  value: string;
  ttl: number;
}

/**
 * The CNAME that delegates the apex's DNS-01 challenge to the Cloudflare zone. The apex's zone is not on
 * Cloudflare (sovereign DNS), so the TXT record cannot be written there with a Cloudflare token; lego follows
 * a CNAME on `_acme-challenge.<domain>` and writes the TXT record at its target (verified: lego
 * challenge/dns01/dns_challenge.go, `GetChallengeInfo` resolves `EffectiveFQDN` through CNAMEs unless
 * LEGO_DISABLE_CNAME_SUPPORT is set, https://github.com/go-acme/lego/blob/master/challenge/dns01/dns_challenge.go),
 * and Let's Encrypt follows it too ("CNAME records ... are followed", https://letsencrypt.org/docs/challenge-types/#dns-01-challenge,
 * assumed from the documentation). The target is a name of its own in the Cloudflare zone.
 */
export function apexAcmeDelegation(apex: string, challengeZone: string, ttl: number): AcmeDelegation {
  if (apex === challengeZone || apex.endsWith(`.${challengeZone}`)) {
    throw new Error(`the apex ${apex} is inside the Cloudflare zone ${challengeZone}: its challenge needs no delegation, and the apex must stay off Cloudflare`);
  }
  if (!Number.isInteger(ttl) || ttl < 60) throw new Error(`the ACME delegation's TTL must be an integer >= 60, got ${ttl}`);
  return { name: `${ACME_CHALLENGE_LABEL}.${apex}`, type: "CNAME", value: `${ACME_CHALLENGE_LABEL}-apex.${challengeZone}`, ttl };
}

/** Let's Encrypt's ACME directories (https://letsencrypt.org/docs/acme-protocol-updates/, https://letsencrypt.org/docs/staging-environment/). */
export const ACME_DIRECTORIES = {
  letsencrypt: "https://acme-v02.api.letsencrypt.org/directory",
  "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;
export type AcmeDirectory = keyof typeof ACME_DIRECTORIES;
