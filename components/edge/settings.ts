/**
 * Zone settings as data: one `cloudflare.ZoneSetting` each. `settingId` is the API's snake_case id, and
 * the keys inside `value` are snake_case too: `value` is a dynamic type the provider passes through
 * unchanged, so camelCase keys there are a permanent diff (pulumi/pulumi-cloudflare#1579).
 * Settings reference: https://developers.cloudflare.com/api/resources/zones/subresources/settings/
 */

export const TLS_VERSIONS = ["1.0", "1.1", "1.2", "1.3"] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export interface HstsSettings {
  /** Strict-Transport-Security max-age, seconds. */
  maxAgeSeconds: number;
  /** Ask for inclusion in browsers' preload lists (https://hstspreload.org/#removal: slow to undo). */
  preload: boolean;
}

export interface ZoneSettingsInput {
  minTlsVersion: TlsVersion;
  hsts: HstsSettings;
}

/** The `security_header` value: snake_case keys, as the API takes them. */
export interface SecurityHeaderValue {
  strict_transport_security: {
    enabled: boolean;
    max_age: number;
    include_subdomains: boolean;
    preload: boolean;
    nosniff: boolean;
  };
}

export interface ZoneSettingSpec {
  /** Stable key of the Pulumi resource (`${component}-setting-<key>`). */
  key: string;
  /** Cloudflare's setting id. */
  settingId: string;
  value: string | number | SecurityHeaderValue;
  /** Why the edge sets it. */
  why: string;
}

/** Shortest max-age hstspreload.org accepts for a preload request. https://hstspreload.org/#submission-requirements */
export const HSTS_PRELOAD_MIN_MAX_AGE = 31536000;

export class ZoneSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZoneSettingsError";
  }
}

/** Resource keys and setting ids, in the order {@link zoneSettings} returns them (the set never depends on inputs). */
export const ZONE_SETTING_KEYS: readonly { key: string; settingId: string }[] = [
  { key: "ssl", settingId: "ssl" },
  { key: "min-tls-version", settingId: "min_tls_version" },
  { key: "tls-1-3", settingId: "tls_1_3" },
  { key: "0rtt", settingId: "0rtt" },
  { key: "always-use-https", settingId: "always_use_https" },
  { key: "automatic-https-rewrites", settingId: "automatic_https_rewrites" },
  { key: "always-online", settingId: "always_online" },
  { key: "browser-cache-ttl", settingId: "browser_cache_ttl" },
  { key: "hsts", settingId: "security_header" },
];

/** The zone settings the edge declares, in the order of {@link ZONE_SETTING_KEYS}. */
export function zoneSettings(input: ZoneSettingsInput): ZoneSettingSpec[] {
  if (!(TLS_VERSIONS as readonly string[]).includes(input.minTlsVersion)) {
    throw new ZoneSettingsError(`minTlsVersion must be one of ${TLS_VERSIONS.join(", ")}, got ${JSON.stringify(input.minTlsVersion)}`);
  }
  const { maxAgeSeconds, preload } = input.hsts;
  if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw new ZoneSettingsError(`hsts.maxAgeSeconds must be an integer >= 0, got ${maxAgeSeconds}`);
  }
  if (preload && maxAgeSeconds < HSTS_PRELOAD_MIN_MAX_AGE) {
    throw new ZoneSettingsError(`hsts.maxAgeSeconds must be >= ${HSTS_PRELOAD_MIN_MAX_AGE} when hsts.preload is true, got ${maxAgeSeconds}`);
  }
  return [
    {
      key: "ssl",
      settingId: "ssl",
      value: "strict",
      why: "Full (strict): Cloudflare checks the origin's certificate (a Cloudflare Origin CA certificate on the load balancer)",
    },
    { key: "min-tls-version", settingId: "min_tls_version", value: input.minTlsVersion, why: "Refuse old TLS versions at the edge" },
    { key: "tls-1-3", settingId: "tls_1_3", value: "on", why: "Offer TLS 1.3 to visitors" },
    {
      key: "0rtt",
      settingId: "0rtt",
      value: "off",
      why: "0-RTT early data can be replayed (RFC 8446 section 8): never for a signup POST",
    },
    { key: "always-use-https", settingId: "always_use_https", value: "on", why: "Redirect every http:// request to https://" },
    {
      key: "automatic-https-rewrites",
      settingId: "automatic_https_rewrites",
      value: "on",
      why: "Rewrite http:// links to https:// in HTML to avoid mixed content",
    },
    { key: "always-online", settingId: "always_online", value: "on", why: "Serve archived pages when the origin is unreachable" },
    {
      key: "browser-cache-ttl",
      settingId: "browser_cache_ttl",
      value: 0,
      why: "0 = respect existing headers: Cloudflare never adds a browser max-age the origin did not send (https://developers.cloudflare.com/cache/how-to/edge-browser-cache-ttl/set-browser-ttl/)",
    },
    {
      key: "hsts",
      settingId: "security_header",
      value: {
        strict_transport_security: {
          enabled: true,
          max_age: maxAgeSeconds,
          include_subdomains: true,
          preload,
          nosniff: true,
        },
      },
      why: "HSTS: browsers refuse plain HTTP for max_age seconds; nosniff stops MIME sniffing",
    },
  ];
}
