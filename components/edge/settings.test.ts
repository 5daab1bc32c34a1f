import { HSTS_PRELOAD_MIN_MAX_AGE, ZONE_SETTING_KEYS, zoneSettings, ZoneSettingsError, type TlsVersion } from "./settings";

const base = { minTlsVersion: "1.2" as TlsVersion, hsts: { maxAgeSeconds: 31536000, preload: false } };
const valueOf = (settings: ReturnType<typeof zoneSettings>, id: string) => settings.find((s) => s.settingId === id)?.value;

describe("zoneSettings", () => {
  const settings = zoneSettings(base);

  it.each([
    ["ssl", "strict"],
    ["min_tls_version", "1.2"],
    ["tls_1_3", "on"],
    ["0rtt", "off"],
    ["always_use_https", "on"],
    ["automatic_https_rewrites", "on"],
    ["always_online", "on"],
    ["browser_cache_ttl", 0],
  ])("%s is %j", (id, value) => {
    expect(valueOf(settings, id)).toBe(value);
  });

  it("sets HSTS through security_header with snake_case keys", () => {
    expect(valueOf(settings, "security_header")).toEqual({
      strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: true, preload: false, nosniff: true },
    });
  });

  it("uses snake_case setting ids and keys everywhere (camelCase inside value is a permanent diff)", () => {
    const keys = (v: unknown): string[] =>
      typeof v === "object" && v !== null ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : [];
    for (const s of settings) {
      expect(s.settingId).toMatch(/^[a-z0-9_]+$/);
      for (const k of keys(s.value)) expect(k).toMatch(/^[a-z_]+$/);
    }
  });

  it("returns the settings in the order and with the keys of ZONE_SETTING_KEYS, whatever the inputs", () => {
    const other = zoneSettings({ minTlsVersion: "1.3", hsts: { maxAgeSeconds: 63072000, preload: true } });
    for (const s of [settings, other]) expect(s.map(({ key, settingId }) => ({ key, settingId }))).toEqual(ZONE_SETTING_KEYS);
  });

  it.each<[TlsVersion, number, boolean]>([
    ["1.3", 63072000, true],
    ["1.2", 86400, false],
  ])("takes min TLS %s, max-age %d and preload %s from the inputs", (tls, maxAge, preload) => {
    const s = zoneSettings({ minTlsVersion: tls, hsts: { maxAgeSeconds: maxAge, preload } });
    expect(valueOf(s, "min_tls_version")).toBe(tls);
    expect(valueOf(s, "security_header")).toMatchObject({ strict_transport_security: { max_age: maxAge, preload } });
  });

  it.each([
    [{ ...base, minTlsVersion: "1.4" as TlsVersion }, /minTlsVersion must be one of 1.0, 1.1, 1.2, 1.3/],
    [{ ...base, hsts: { maxAgeSeconds: -1, preload: false } }, /maxAgeSeconds must be an integer >= 0/],
    [{ ...base, hsts: { maxAgeSeconds: 1.5, preload: false } }, /maxAgeSeconds must be an integer >= 0/],
    [{ ...base, hsts: { maxAgeSeconds: HSTS_PRELOAD_MIN_MAX_AGE - 1, preload: true } }, /must be >= 31536000 when hsts.preload is true/],
  ])("refuses %j", (input, message) => {
    expect(() => zoneSettings(input)).toThrow(ZoneSettingsError);
    expect(() => zoneSettings(input)).toThrow(message);
  });
});
