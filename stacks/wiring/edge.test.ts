/**
 * The Edge component run under the mocked engine (tools/plan/harness.ts) with the prod stack file, explicit
 * providers, and an origin stand-in publishing two load-balancer IPs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlanResource, ProgramRun } from "../../tools/plan/harness";
import { committedStack, evaluateStack, originIpsStandIn, withProviders } from "../../tools/plan/testing";
import { isSecret, redactSecrets, unwrapSecrets } from "../../tools/plan/values";
import { matches } from "../../components/edge/expressions";
import { createEdge } from "./edge";
import { edgeRulesets, toRulesetRule } from "../../components/edge/rules";
import { zoneSettings } from "../../components/edge/settings";

const prod = committedStack("prod");
/** The origin lock's value as the origin hands it over: a secret. */
const ORIGIN_AUTH_STAND_IN = "origin-auth-stand-in-value-0123456789";
const cfg = prod.config;

let run: ProgramRun;
beforeAll(async () => {
  run = await evaluateStack(prod, () => {
    const opts = withProviders(cfg);
    // The origin component's two dedicated IPs, as computed outputs.
    const originIps = originIpsStandIn(cfg, opts);
    const edge = createEdge(cfg, { originIps, originAuth: { header: "x-renfort-origin-auth", value: pulumi.secret(ORIGIN_AUTH_STAND_IN) } }, opts);
    return { originIps, rulesetIds: edge.rulesetIds, mainRecords: edge.mainRecords, settingIds: edge.settingIds };
  });
});

const ofType = (type: string) => run.resources.filter((r) => r.type === type);
const named = (name: string): PlanResource => {
  const r = run.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name}`);
  return r;
};

describe("Edge under the mocked engine (prod)", () => {
  it("declares one component with 9 settings, 4 rulesets and 2 records, all its children", () => {
    const edge = named("renfort-edge");
    expect(edge.type).toBe("renfort:edge:Edge");
    expect(edge.custom).toBe(false);
    const children = run.resources.filter((r) => r.parent === edge.urn);
    expect(children.map((c) => c.name).sort()).toEqual(
      [
        "renfort-edge-main-a-primary",
        "renfort-edge-main-a-secondary",
        "renfort-edge-cache-rules",
        "renfort-edge-origin-auth",
        "renfort-edge-rate-limits",
        "renfort-edge-waf-custom",
        "renfort-edge-waf-managed",
        "renfort-edge-setting-0rtt",
        "renfort-edge-setting-always-online",
        "renfort-edge-setting-always-use-https",
        "renfort-edge-setting-browser-cache-ttl",
        "renfort-edge-setting-automatic-https-rewrites",
        "renfort-edge-setting-hsts",
        "renfort-edge-setting-min-tls-version",
        "renfort-edge-setting-ssl",
        "renfort-edge-setting-tls-1-3",
      ].sort(),
    );
    // Nothing Cloudflare outside the component.
    const cloudflareResources = run.resources.filter((r) => r.type.startsWith("cloudflare:"));
    expect(cloudflareResources).toHaveLength(16);
    for (const r of cloudflareResources) expect(r.parent).toBe(edge.urn);
  });

  it("uses the explicit Cloudflare provider for every child", () => {
    const cf = named("renfort-cloudflare");
    for (const r of run.resources.filter((x) => x.type.startsWith("cloudflare:"))) {
      expect(r.provider?.startsWith(`${cf.urn}::`)).toBe(true);
    }
  });

  it("points the two proxied records at the origin's two IPs", () => {
    const ips = run.outputs.originIps as string[];
    expect(ips).toHaveLength(2);
    expect(ips[0]).not.toBe(ips[1]);
    const records = ofType("cloudflare:index/dnsRecord:DnsRecord");
    expect(records.map((r) => [r.name, r.inputs])).toEqual([
      [
        "renfort-edge-main-a-primary",
        expect.objectContaining({ zoneId: cfg.edge.zoneId, name: "www.renfort-benevoles.fr", type: "A", content: ips[0], proxied: true, ttl: 1 }),
      ],
      [
        "renfort-edge-main-a-secondary",
        expect.objectContaining({ zoneId: cfg.edge.zoneId, name: "www.renfort-benevoles.fr", type: "A", content: ips[1], proxied: true, ttl: 1 }),
      ],
    ]);
    for (const r of records) {
      expect(r.inputs.name).not.toMatch(/\.$/);
      expect(r.protect).toBe(false);
    }
    expect(run.outputs.mainRecords).toEqual([
      { key: "primary", name: "www.renfort-benevoles.fr", content: ips[0] },
      { key: "secondary", name: "www.renfort-benevoles.fr", content: ips[1] },
    ]);
  });

  it("declares each zone setting with its snake_case id and value, protected", () => {
    const settings = ofType("cloudflare:index/zoneSetting:ZoneSetting");
    const expected = zoneSettings({ minTlsVersion: "1.2", hsts: { maxAgeSeconds: 31536000, preload: false } });
    expect(Object.fromEntries(settings.map((s) => [s.inputs.settingId, s.inputs.value]))).toEqual({
      ssl: "strict",
      min_tls_version: "1.2",
      tls_1_3: "on",
      "0rtt": "off",
      always_use_https: "on",
      automatic_https_rewrites: "on",
      always_online: "on",
      browser_cache_ttl: 0,
      security_header: {
        strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: true, preload: false, nosniff: true },
      },
    });
    expect(settings).toHaveLength(expected.length);
    for (const s of settings) {
      expect(s.inputs.zoneId).toBe(cfg.edge.zoneId);
      expect(s.protect).toBe(true);
    }
  });

  it("declares one protected zone entry point per phase with the rules of rules.ts", () => {
    const rulesets = ofType("cloudflare:index/ruleset:Ruleset");
    const expected = edgeRulesets({
      plan: cfg.edge.plan,
      owaspCore: cfg.edge.waf.owaspCore,
      geoBans: cfg.edge.geoBans,
      sensitivePaths: cfg.edge.sensitivePaths,
      rateLimits: cfg.edge.rateLimits,
    });
    expect(rulesets).toHaveLength(5);
    for (const spec of expected) {
      const r = rulesets.find((x) => x.inputs.phase === spec.phase);
      expect(r?.name).toBe(`renfort-edge-${spec.key}`);
      expect(r?.protect).toBe(true);
      expect(r?.inputs).toMatchObject({ kind: "zone", zoneId: cfg.edge.zoneId, name: spec.name });
      expect(r?.inputs.rules).toEqual(JSON.parse(JSON.stringify(spec.rules.map(toRulesetRule))));
    }
    expect(Object.keys(run.outputs.rulesetIds as Record<string, string>).sort()).toEqual([...expected.map((s) => s.phase), "http_request_late_transform"].sort());
  });

  it("sets the origin-auth header on the main host's requests, with only the header value secret", () => {
    const r = named("renfort-edge-origin-auth");
    expect(r.protect).toBe(true);
    expect(r.inputs).toMatchObject({ kind: "zone", zoneId: cfg.edge.zoneId, phase: "http_request_late_transform" });
    const rules = r.inputs.rules as Array<Record<string, unknown>>;
    expect(rules).toEqual([
      {
        ref: "origin_auth_header",
        description: expect.any(String),
        expression: `http.host eq "${cfg.domain.mainHost}"`,
        action: "rewrite",
        enabled: true,
        actionParameters: { headers: { "x-renfort-origin-auth": { operation: "set", value: expect.anything() } } },
      },
    ]);
    const value = (rules[0].actionParameters as { headers: Record<string, { value: unknown }> }).headers["x-renfort-origin-auth"].value;
    expect(isSecret(value)).toBe(true);
    expect(unwrapSecrets(value)).toBe(ORIGIN_AUTH_STAND_IN);
    // What the plan prints and writes (redacted) never holds the value.
    expect(JSON.stringify(redactSecrets(run.resources))).not.toContain(ORIGIN_AUTH_STAND_IN);
  });

  it("sends rules that never cache a POST signup or a cookie-bearing page, and never ban France", () => {
    type WireRule = { ref: string; expression: string; action: string; actionParameters?: { cache?: boolean } };
    const rulesOf = (phase: string) => ofType("cloudflare:index/ruleset:Ruleset").find((r) => r.inputs.phase === phase)!.inputs.rules as WireRule[];
    const eligible = (req: { method: string; path: string; cookie?: string }) => {
      let cache: boolean | undefined;
      for (const r of rulesOf("http_request_cache_settings")) {
        if (matches(r.expression, req) && r.actionParameters?.cache !== undefined) cache = r.actionParameters.cache;
      }
      return cache;
    };
    expect(eligible({ method: "POST", path: "/api/volunteers" })).toBe(false);
    expect(eligible({ method: "GET", path: "/api/volunteers" })).toBe(false);
    expect(eligible({ method: "GET", path: "/missions", cookie: "session=1" })).not.toBe(true);
    expect(eligible({ method: "GET", path: "/missions" })).toBe(true);
    for (const r of rulesOf("http_request_firewall_custom").filter((x) => x.action === "block")) {
      expect(matches(r.expression, { method: "GET", path: "/", country: "FR" })).toBe(false);
    }
  });

  it("sends no originCacheControl to the Pro zone (an Enterprise-only cache rule setting), keeping the TTL modes", () => {
    const cache = ofType("cloudflare:index/ruleset:Ruleset").find((r) => r.inputs.phase === "http_request_cache_settings")!.inputs.rules as {
      ref: string;
      actionParameters: Record<string, unknown>;
    }[];
    expect(cache.filter((r) => r.actionParameters.cache === true).map((r) => [r.ref, r.actionParameters])).toEqual([
      ["origin_decides_hashed_assets", { cache: true, edgeTtl: { mode: "respect_origin" }, browserTtl: { mode: "respect_origin" } }],
      ["origin_decides_public_reads", { cache: true, edgeTtl: { mode: "bypass_by_default" }, browserTtl: { mode: "respect_origin" } }],
    ]);
  });
});
