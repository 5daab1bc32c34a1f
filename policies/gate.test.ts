import prod from "./config/prod.json";
import staging from "./config/staging.json";
import { gateFails, levelOf, runGate, type GateViolation, type PolicyPackConfig } from "./gate";
import { policies } from "./rules";
import { UNKNOWN } from "./lib/unknown";
import type { GateResource } from "./lib/run";
import { platformLimitsBreaks } from "./rules/platform-limits/gate-breaks";
import { APEX, DKIM_1024, HOST, SECRET_VALUE, compliantStack, find, fx, mutate, replace } from "./testing/fixtures";

const prodConfig = prod as PolicyPackConfig;
const stagingConfig = staging as PolicyPackConfig;
const tagged = "rg.fr-par.scw.cloud/renfort-prod/app:1.0.0";

type Break = (s: GateResource[]) => { stack: GateResource[]; urn: string };
const edit = (name: string, path: string, value: unknown): Break => (s) => {
  const r = mutate(find(s, name), path, value);
  return { stack: replace(s, r), urn: r.urn };
};
const drop = (name: string, urnOf = name): Break => (s) => ({ stack: s.filter((r) => r.name !== name), urn: find(s, urnOf).urn });
const unprotect = (name: string): Break => (s) => {
  const r = { ...find(s, name), protect: false };
  return { stack: replace(s, r), urn: r.urn };
};

/** One realistic breakage per policy, and the resource the violation must name. */
const breaks: Record<string, Break> = {
  "cf-ssl-full-strict": edit("edge-ssl", "value", "flexible"),
  "cf-min-tls": edit("edge-min_tls_version", "value", "1.0"),
  "cf-tls13-no-0rtt": edit("edge-0rtt", "value", "on"),
  "cf-always-https": edit("edge-always_use_https", "value", "off"),
  "cf-hsts": edit("edge-security_header", "value.strict_transport_security.max_age", 300),
  "cf-waf-managed": edit("edge-http_request_firewall_managed", "rules.0.enabled", false),
  "cf-expr-valid": edit("edge-http_request_firewall_custom", "rules.1.expression", '(http.host eq "a"'),
  "cf-expr-deprecated": edit("edge-http_request_firewall_custom", "rules.0.expression", 'ip.geoip.country in {"KP"}'),
  "cf-geo-ban": edit("edge-http_request_firewall_custom", "rules.0.expression", '(ip.src.country in {"KP" "FR"})'),
  "cf-rate-limit-signup": edit("edge-http_ratelimit", "rules.0.ratelimit.requestsPerPeriod", 5),
  "cf-cache-no-dynamic": edit("edge-http_request_cache_settings", "rules.1.expression", "true"),
  "cf-dns-proxied": edit("dns-app-a-1", "proxied", false),
  "scw-lb-ips": unprotect("lb-ip-2"),
  "scw-lb-tls-level": edit("lb", "sslCompatibilityLevel", "ssl_compatibility_level_old"),
  "scw-lb-no-plain-http": edit("lb-acl-http-to-https", "action", { type: "allow" }),
  "scw-lb-origin-lock": edit("lb-acl-allow-cloudflare", "match.ipSubnets", ["0.0.0.0/0"]),
  "scw-lb-origin-auth": edit("lb-acl-allow-cloudflare", "match.httpFilterOption", "host"),
  "scw-lb-cert-covers-host": (s) => {
    const r = mutate(find(s, "origin-cert"), "hostnames", [`api.${APEX}`]);
    return { stack: replace(s, r), urn: find(s, "dns-app-a-1").urn };
  },
  "scw-lb-healthcheck": edit("lb-backend", "healthCheckHttp", undefined),
  "fleet-no-public-ip": edit("fleet-template", "publicIpsV4Count", 1),
  "img-digest": edit("fleet-template", "cloudInit", fx.cloudInit(undefined, tagged)),
  "img-own-registry": edit("fleet-template", "cloudInit", fx.cloudInit(undefined, `docker.io/library/nginx@sha256:${"1".repeat(64)}`)),
  "env-no-plain-secrets": edit("fleet-template", "cloudInit", fx.cloudInit(`NODE_ENV=production\nSESSION_SECRET=${SECRET_VALUE}`)),
  "scw-db-ha": edit("db", "isHaCluster", false),
  "scw-db-backups": edit("db", "disableBackup", true),
  "scw-db-encryption": edit("db", "encryptionAtRest", false),
  "scw-db-private": drop("db-acl", "db"),
  "scw-db-acl-closed": edit("db-acl", "aclRules.0.ip", "0.0.0.0/0"),
  "scw-db-protect": unprotect("db"),
  "scw-db-conn-budget": edit("db", "settings.max_connections", "100"),
  "fleet-capacity": edit("fleet-group", "capacities.0.minReplicas", 2),
  "email-spf-single": (s) => {
    const extra = { ...fx.spf('"v=spf1 include:spf.brevo.com -all"'), urn: `${fx.spf().urn}-2`, name: "dns-spf-2" };
    return { stack: [...s, extra], urn: extra.urn };
  },
  "email-spf-syntax": edit(`dns-spf-${APEX}`, "content", '"v=spf1 include:_spf.tem.scaleway.com ~all"'),
  "email-spf-lookups": (s) => {
    const names = Array.from({ length: 9 }, (_, i) => `s${i}.${APEX}`);
    const spf = mutate(find(s, `dns-spf-${APEX}`), "content", `"v=spf1 ${names.map((n) => `include:${n}`).join(" ")} -all"`);
    return { stack: [...replace(s, spf), ...names.map((n) => fx.spf('"v=spf1 ip4:198.51.100.1 -all"', n))], urn: spf.urn };
  },
  "email-dkim-key": edit("dns-dkim-tem", "content", `v=DKIM1; k=rsa; p=${DKIM_1024}`),
  "email-dmarc-policy": edit(`dns-dmarc-_dmarc.${APEX}`, "content", `"v=DMARC1; p=none; rua=mailto:dmarc@${APEX}"`),
  "sov-regions": edit("db", "region", "nl-ams"),
  "scw-db-backup-locality": edit("db", "backupSameRegion", false),
  "pg-sslmode-libpq": edit("fleet-template", "cloudInit", fx.cloudInit().replace(`DATABASE_PASSWORD=${SECRET_VALUE}`, `DATABASE_URL=postgres://app:${encodeURIComponent(SECRET_VALUE)}@172.16.0.42:5432/renfort?sslmode=require`)),
  "scw-lb-one-ipv4": (s) => {
    const lb = find(s, "lb");
    const two = { ...mutate(lb, "ipIds", ["fr-par-1/ip-1", "fr-par-1/ip-2"]), dependencies: [...lb.dependencies, find(s, "lb-ip-2").urn] };
    return { stack: replace(s, two), urn: lb.urn };
  },
  "scw-lb-http01-one-lb": (s) => {
    // The launch program's apex certificates: each load balancer ordering the apex over HTTP-01.
    const lb2 = { ...find(s, "lb"), name: "lb-2", urn: `${find(s, "lb").urn}-2`, dependencies: [find(s, "lb-ip-2").urn] };
    const le = (lb: GateResource, n: number) => ({ ...find(s, "lb-cert"), name: `lb-cert-apex-${n}`, urn: `${find(s, "lb-cert").urn}-apex-${n}`, props: { lbId: "fr-par-1/lb", letsencrypt: { commonName: APEX } }, dependencies: [lb.urn] });
    const first = le(find(s, "lb"), 1);
    return { stack: [...s, lb2, first, le(lb2, 2)], urn: first.urn };
  },
  "scw-asg-one-lb": edit("fleet-group", "loadBalancers", [
    { id: "fr-par-1/lb", backendIds: ["fr-par-1/backend"], privateNetworkId: "fr-par/pn" },
    { id: "fr-par-2/lb-b", backendIds: ["fr-par-2/backend-b"], privateNetworkId: "fr-par/pn" },
  ]),
  "scw-asg-release-replace": (s) => ({ stack: replace(s, mutate(find(s, "fleet-template"), "tags", ["renfort-release=r2"])), urn: find(s, "fleet-group").urn }),
  ...platformLimitsBreaks,
};

describe("runGate", () => {
  test("the compliant fixture stack has no violation in prod or staging", async () => {
    expect(await runGate(compliantStack(), prodConfig, { tier: "prod" })).toEqual([]);
    const staged = await runGate(compliantStack(), stagingConfig, { tier: "staging" });
    expect(staged.filter((v) => v.level === "mandatory")).toEqual([]);
  });

  test("every policy has a breakage case here", () => {
    expect(Object.keys(breaks).sort()).toEqual(policies.map((p) => p.name).sort());
  });

  const mandatoryInProd = policies.filter((p) => levelOf(prodConfig, p.name) === "mandatory").map((p) => p.name);
  test.each(mandatoryInProd)("a %s failure fails the prod gate, naming the policy and the resource", async (name) => {
    const { stack, urn } = breaks[name](compliantStack());
    const violations = await runGate(stack, prodConfig, { tier: "prod" });
    const hit = violations.find((v) => v.policy === name && v.urn === urn && !v.undecided);
    if (!hit) throw new Error(`${name}: expected a violation on ${urn}, got ${JSON.stringify(violations, null, 2)}`);
    expect(hit.level).toBe("mandatory");
    expect(gateFails(violations)).toBe(true);
    for (const v of violations) expect(v.message).not.toContain(SECRET_VALUE);
  });

  test("advisory policies in staging do not fail the gate", async () => {
    const { stack } = breaks["scw-db-ha"](compliantStack());
    const v = await runGate(stack, { ...stagingConfig, "scw-db-ha": { enforcementLevel: "advisory" } }, { tier: "staging" });
    expect(v.filter((x) => x.policy === "scw-db-ha").map((x) => x.level)).toEqual(["advisory"]);
    expect(gateFails(v)).toBe(false);
  });

  test("a disabled policy does not run", async () => {
    const { stack } = breaks["scw-db-ha"](compliantStack());
    const v = await runGate(stack, { ...prodConfig, "scw-db-ha": { enforcementLevel: "disabled" } }, { tier: "prod" });
    expect(v.some((x) => x.policy === "scw-db-ha")).toBe(false);
  });

  test("stack config overrides policy defaults", async () => {
    const v = await runGate(compliantStack(), { ...prodConfig, "scw-db-backups": { enforcementLevel: "mandatory", minRetentionDays: 30 } }, { tier: "prod" });
    expect(v).toEqual([expect.objectContaining({ policy: "scw-db-backups", level: "mandatory", message: expect.stringContaining("kept 7 days") })]);
  });

  describe("preview-time unknowns", () => {
    const unknownDkim = () => replace(compliantStack(), mutate(find(compliantStack(), "dns-dkim-tem"), "content", UNKNOWN));
    test("are undecided and fail a mandatory policy in prod", async () => {
      const v = await runGate(unknownDkim(), prodConfig, { tier: "prod" });
      const u = v.filter((x: GateViolation) => x.undecided);
      expect(u).toEqual([
        expect.objectContaining({ policy: "email-dkim-key", level: "mandatory", undecided: true, urn: find(compliantStack(), "dns-dkim-tem").urn }),
      ]);
      expect(u[0].message).toMatch(/could not decide/);
      expect(gateFails(v)).toBe(true);
    });
    test("are reported as advisory in staging", async () => {
      const v = await runGate(unknownDkim(), { ...stagingConfig, "email-dkim-key": { enforcementLevel: "mandatory" } }, { tier: "staging" });
      expect(v.filter((x) => x.undecided).map((x) => x.level)).toEqual(["advisory"]);
      expect(gateFails(v)).toBe(false);
    });
    test("in a stack policy are undecided too", async () => {
      const stack = replace(compliantStack(), mutate(find(compliantStack(), "fleet-group"), "capacities.0.minReplicas", UNKNOWN));
      const v = await runGate(stack, prodConfig, { tier: "prod" });
      expect(v).toContainEqual(expect.objectContaining({ policy: "fleet-capacity", undecided: true, level: "mandatory" }));
    });
  });

  test("a certificate naming the main host lets its proxied record through; one naming another host does not", async () => {
    const certFor = (hostnames: string[]) => replace(compliantStack(), mutate(find(compliantStack(), "origin-cert"), "hostnames", hostnames));
    const coverage = async (hostnames: string[]) =>
      (await runGate(certFor(hostnames), prodConfig, { tier: "prod" })).filter((v) => v.policy === "scw-lb-cert-covers-host").map((v) => v.urn);
    expect(await coverage([HOST])).toEqual([]);
    expect(await coverage([`*.${HOST.split(".").slice(1).join(".")}`])).toEqual([]);
    expect(await coverage([`other.${APEX}`])).toEqual([find(compliantStack(), "dns-app-a-1").urn]);
  });
});
