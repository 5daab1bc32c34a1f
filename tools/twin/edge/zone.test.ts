import type { PlanResource } from "../../plan/harness";
import { UNKNOWN, wireSecret } from "../../plan/values";
import { stackResources } from "./test-support";
import { hstsFromSetting, readZone } from "./zone";

const ZONE = "zone-1";

function resource(type: string, name: string, inputs: Record<string, unknown>): PlanResource {
  return { urn: `urn:${name}`, type, name, custom: true, inputs: { zoneId: ZONE, ...inputs }, protect: false, dependsOn: [] };
}
const record = (name: string, content: unknown, extra: Record<string, unknown> = {}) =>
  resource("cloudflare:index/dnsRecord:DnsRecord", `rec-${name}-${String(content)}`, { name, type: "A", content, proxied: true, ...extra });
const setting = (settingId: string, value: unknown) => resource("cloudflare:index/zoneSetting:ZoneSetting", `set-${settingId}`, { settingId, value });
const ruleset = (phase: string, rules: unknown) => resource("cloudflare:index/ruleset:Ruleset", `rs-${phase}`, { kind: "zone", phase, rules });
const rule = (ref: string, action: string, expression: string, extra: Record<string, unknown> = {}) => ({ ref, action, expression, enabled: true, ...extra });

const base = [record("www.example.fr", "192.0.2.10"), record("www.example.fr", "192.0.2.11"), record("mail.example.fr", "192.0.2.99", { proxied: false })];

describe("readZone", () => {
  test("hostnames and origins come from the proxied records only, in declaration order", () => {
    const z = readZone(base);
    expect(z.hostnames).toEqual(["www.example.fr"]);
    expect(z.originIps).toEqual(["192.0.2.10", "192.0.2.11"]);
  });

  test.each([
    ["1.2", "on", "TLSv1.2", "TLSv1.3"],
    ["1.3", "on", "TLSv1.3", "TLSv1.3"],
    ["1.0", "off", "TLSv1", "TLSv1.2"],
  ])("min_tls_version %s, tls_1_3 %s", (min, tls13, lo, hi) => {
    const z = readZone([...base, setting("min_tls_version", min), setting("tls_1_3", tls13)]);
    expect([z.minTlsVersion, z.maxTlsVersion]).toEqual([lo, hi]);
  });

  test("rules run in Cloudflare's phase order, whatever the order of the resources; disabled rules are left out", () => {
    const z = readZone([
      ...base,
      ruleset("http_request_cache_settings", [rule("c", "set_cache_settings", "true", { actionParameters: { cache: true } })]),
      ruleset("http_ratelimit", [rule("r", "block", "true", { ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 10, requestsPerPeriod: 5, mitigationTimeout: 60 } })]),
      ruleset("http_request_firewall_custom", [rule("w", "block", 'ip.src.country in {"KP"}'), rule("off", "block", "true", { enabled: false })]),
      ruleset("http_request_firewall_managed", [rule("m", "execute", "true", { actionParameters: { id: "x" } })]),
    ]);
    expect(z.rules.map((r) => `${r.phase}/${r.ref}`)).toEqual(["http_request_firewall_custom/w", "http_ratelimit/r", "http_request_cache_settings/c"]);
    expect(z.notReproduced).toEqual([expect.objectContaining({ phase: "http_request_firewall_managed", rules: ["m"] })]);
  });

  test("a secret header value comes from options.secrets, by lower-case header name", () => {
    const rs = ruleset("http_request_late_transform", wireSecret([rule("lock", "rewrite", "true", { actionParameters: { headers: { "X-Lock": { operation: "set", value: "[secret]" } } } })]));
    const z = readZone([...base, rs], { secrets: { "X-Lock": "v1" } });
    expect(z.rules[0].headers).toEqual([{ name: "x-lock", operation: "set", value: "v1", secret: true }]);
  });

  test("a known secret value (a generated password under the plan's mocks) is used as recorded, and stays marked secret", () => {
    const rs = ruleset("http_request_late_transform", [rule("lock", "rewrite", "true", { actionParameters: { headers: { "x-lock": { operation: "set", value: wireSecret("generated") } } } })]);
    expect(readZone([...base, rs]).rules[0].headers).toEqual([{ name: "x-lock", operation: "set", value: "generated", secret: true }]);
  });

  test.each<[string, PlanResource[], RegExp]>([
    ["no proxied record", [record("www.example.fr", "192.0.2.10", { proxied: false })], /no proxied A\/AAAA record/],
    ["a preview (unknown origin IP)", [record("www.example.fr", UNKNOWN)], /unknown: evaluate the program as an update/],
    ["two zones", [...base, { ...record("www.other.fr", "192.0.2.12"), inputs: { zoneId: "zone-2", name: "www.other.fr", type: "A", content: "192.0.2.12", proxied: true } }], /span 2 zones/],
    ["flexible SSL", [...base, setting("ssl", "flexible")], /zone setting ssl is "flexible"/],
    ["an unknown TLS version", [...base, setting("min_tls_version", "1.4")], /min_tls_version must be one of/],
    ["an expression outside the evaluated subset", [...base, ruleset("http_request_firewall_custom", [rule("x", "block", 'http.request.uri.path matches "^/a"')])], /rule x: expression .* is outside what the twin evaluates/],
    ["a field the evaluator does not know", [...base, ruleset("http_request_firewall_custom", [rule("y", "block", 'ip.src eq "192.0.2.1"')])], /rule y: .*unknown field ip\.src/],
    ["an action the phase does not run", [...base, ruleset("http_request_firewall_custom", [rule("z", "execute", "true")])], /rule z: action "execute" is not one the twin runs/],
    ["a secret header with no value given", [...base, ruleset("http_request_late_transform", wireSecret([rule("l", "rewrite", "true", { actionParameters: { headers: { "X-Lock": { operation: "set", value: "[secret]" } } } })]))], /options\.secrets\["x-lock"\]/],
    ["a header set from an expression", [...base, ruleset("http_request_late_transform", [rule("e", "rewrite", "true", { actionParameters: { headers: { "x-a": { operation: "set", expression: "http.host" } } } })])], /only sets static values/],
    ["an unsupported rate-limit characteristic", [...base, ruleset("http_ratelimit", [rule("r", "block", "true", { ratelimit: { characteristics: ["cf.colo.id", "cf.unique_visitor_id"], period: 10, requestsPerPeriod: 1 } })])], /characteristics cf\.unique_visitor_id are not reproduced/],
    ["two entry points for one phase", [...base, ruleset("http_ratelimit", []), { ...ruleset("http_ratelimit", []), name: "rs-2" }], /a second entry point for http_ratelimit/],
  ])("refuses %s, saying what and where", (_name, resources, message) => {
    expect(() => readZone(resources)).toThrow(message);
  });
});

describe("hstsFromSetting", () => {
  test.each([
    [{ strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: true, preload: true, nosniff: true } }, { value: "max-age=31536000; includeSubDomains; preload", nosniff: true }],
    [{ strict_transport_security: { enabled: true, max_age: 86400, include_subdomains: false, preload: false, nosniff: false } }, { value: "max-age=86400", nosniff: false }],
    [{ strict_transport_security: { enabled: false, max_age: 86400 } }, undefined],
    [undefined, undefined],
  ])("%j", (value, expected) => {
    expect(hstsFromSetting(value)).toEqual(expected);
  });
});

describe("the committed stacks", () => {
  test.each(["staging", "prod"] as const)("every rule %s declares is read: none refused, only the managed WAF left out", async (stack) => {
    const zone = readZone(await stackResources(stack));
    expect(zone.hostnames).toHaveLength(1);
    expect(zone.originIps).toHaveLength(2);
    expect(zone.minTlsVersion).toBe("TLSv1.2");
    expect(zone.sslMode).toBe("strict");
    expect(zone.alwaysUseHttps).toBe(true);
    expect(new Set(zone.rules.map((r) => r.phase))).toEqual(new Set(["http_request_firewall_custom", "http_ratelimit", "http_request_late_transform", "http_request_cache_settings"]));
    expect(zone.notReproduced.map((n) => n.phase)).toEqual(["http_request_firewall_managed"]);
  });
});
