/**
 * The Cloudflare edge of the main host: zone settings (TLS, HTTPS, HSTS, Always Online), the WAF
 * (managed rulesets, geo bans, probes, sensitive paths), rate limits, cache rules, and the proxied
 * A records to the origin's two dedicated IPs. Everything computable comes from the pure modules beside
 * this file; the component only declares resources.
 * Provider: @pulumi/cloudflare v6 (`ZoneSetting`, `Ruleset`, `DnsRecord`).
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { originAuthRule, ORIGIN_AUTH_RULESET } from "./origin-auth";
import type { CloudflarePlan } from "./plans";
import { mainHostName, originAddresses, ORIGIN_RECORD_KEYS } from "./records";
import { rulesForPhase, RULESETS, toRulesetRule, type EdgeRulesInput, type RateLimit } from "./rules";
import { ZONE_SETTING_KEYS, zoneSettings, type HstsSettings, type TlsVersion } from "./settings";

export interface EdgeArgs {
  /** Cloudflare zone id of the main host's zone. Required. */
  zoneId: pulumi.Input<string>;
  /** The main host (fully qualified, no trailing dot), e.g. `www.example.fr`. Required. */
  mainHost: pulumi.Input<string>;
  /** The origin's two dedicated IPs, primary first: the main host's proxied A records point here. Required. */
  originIps: pulumi.Input<string[]>;
  /**
   * The origin lock's secret header: the edge sets `header: value` on every request for the main host, and
   * the load balancers require it (components/origin). `value` should be a Pulumi secret (the origin's
   * `originAuth.value`); it is marked secret here either way. Required.
   */
  originAuth: { header: string; value: pulumi.Input<string> };
  /** The zone's plan: which managed rulesets exist and what rate limits may test. Required. */
  plan: pulumi.Input<CloudflarePlan>;
  /** Rate limits per visitor IP and Cloudflare data centre. Required (thresholds depend on the audience). */
  rateLimits: pulumi.Input<{ signup: RateLimit; apiWrites: RateLimit }>;
  /** Lowest TLS version the edge accepts. Default "1.2". */
  minTlsVersion?: pulumi.Input<TlsVersion>;
  /** HSTS max-age and preload. Default one year, no preload. */
  hsts?: pulumi.Input<HstsSettings>;
  /** Execute the OWASP Core Ruleset besides the Cloudflare Managed Ruleset (Pro and up). Default true. */
  owaspCore?: pulumi.Input<boolean>;
  /** ISO 3166-1 alpha-2 codes whose traffic is blocked; never FR or a French territory. Default none. */
  geoBans?: pulumi.Input<string[]>;
  /** Path prefixes behind a managed challenge and never cached. Default ["/admin"] (the admin API is called by scripts with its token: a challenge would stop them). */
  sensitivePaths?: pulumi.Input<string[]>;
  /**
   * Protect the zone-level resources (settings, rulesets) from deletion: a `pulumi destroy` or a refactor
   * that drops them would leave the zone without its WAF. Default true; the staging stack turns it off.
   */
  protect?: boolean;
}

export const EDGE_DEFAULTS = {
  minTlsVersion: "1.2" as TlsVersion,
  hsts: { maxAgeSeconds: 31536000, preload: false } as HstsSettings,
  owaspCore: true,
  geoBans: [] as string[],
  sensitivePaths: ["/admin"],
  protect: true,
};

export class Edge extends pulumi.ComponentResource {
  /** Ruleset ids by phase (`http_request_firewall_managed`, ...). */
  readonly rulesetIds: pulumi.Output<Record<string, string>>;
  /** Ids of the zone setting resources by setting id. */
  readonly settingIds: pulumi.Output<Record<string, string>>;
  /** The main host's proxied A records: name and the IP each points at. */
  readonly mainRecords: pulumi.Output<{ key: string; name: string; content: string }[]>;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("renfort:edge:Edge", name, {}, opts);
    const protect = args.protect ?? EDGE_DEFAULTS.protect;
    const zoneLevel: pulumi.CustomResourceOptions = { parent: this, protect };

    // Zone settings: one resource per setting, keyed by setting so adding one never touches another.
    const settingValues = pulumi
      .all([args.minTlsVersion ?? EDGE_DEFAULTS.minTlsVersion, pulumi.output(args.hsts ?? EDGE_DEFAULTS.hsts)])
      .apply(([minTlsVersion, hsts]) => zoneSettings({ minTlsVersion, hsts }));
    const settings = ZONE_SETTING_KEYS.map(
      (s) =>
        new cloudflare.ZoneSetting(
          `${name}-setting-${s.key}`,
          {
            zoneId: args.zoneId,
            settingId: s.settingId,
            value: settingValues.apply((all) => all.find((x) => x.key === s.key)!.value),
          },
          zoneLevel,
        ),
    );

    // Rulesets: one zone entry point per phase, its rules computed by rules.ts.
    const rulesInput: pulumi.Output<EdgeRulesInput> = pulumi
      .all([
        args.plan,
        args.owaspCore ?? EDGE_DEFAULTS.owaspCore,
        pulumi.output(args.geoBans ?? EDGE_DEFAULTS.geoBans),
        pulumi.output(args.sensitivePaths ?? EDGE_DEFAULTS.sensitivePaths),
        pulumi.output(args.rateLimits),
      ])
      .apply(([plan, owaspCore, geoBans, sensitivePaths, rateLimits]) => ({ plan, owaspCore, geoBans, sensitivePaths, rateLimits }));
    const rulesets = RULESETS.map(
      (r) =>
        new cloudflare.Ruleset(
          `${name}-${r.key}`,
          {
            zoneId: args.zoneId,
            kind: "zone",
            phase: r.phase,
            name: r.name,
            description: r.description,
            rules: rulesInput.apply((input) => rulesForPhase(r.phase, input).map(toRulesetRule)),
          },
          zoneLevel,
        ),
    );

    // The origin lock's header (origin-auth.ts): its own entry point (phase http_request_late_transform). Only
    // the header value is secret, so the plan still shows the rule, its expression and the header name.
    const originAuthShape = pulumi.output(args.mainHost).apply((host) => originAuthRule(host, args.originAuth.header, ""));
    const originAuthRuleset = new cloudflare.Ruleset(
      `${name}-${ORIGIN_AUTH_RULESET.key}`,
      {
        zoneId: args.zoneId,
        kind: "zone",
        phase: ORIGIN_AUTH_RULESET.phase,
        name: ORIGIN_AUTH_RULESET.name,
        description: ORIGIN_AUTH_RULESET.description,
        rules: [
          {
            ref: originAuthShape.apply((r) => r.ref),
            description: originAuthShape.apply((r) => r.description),
            expression: originAuthShape.apply((r) => r.expression),
            action: "rewrite",
            enabled: true,
            // Built field by field: an Output returned from an apply would make the whole rule secret.
            actionParameters: { headers: { [args.originAuth.header]: { operation: "set", value: pulumi.secret(args.originAuth.value) } } },
          },
        ],
      },
      zoneLevel,
    );

    // DNS: the main host's proxied A records, keyed by purpose (see records.ts). The name depends on the
    // host only, so a preview shows it even before the origin's IPs exist.
    const hostName = pulumi.output(args.mainHost).apply(mainHostName);
    const addresses = pulumi.output(args.originIps).apply(originAddresses);
    const dns = ORIGIN_RECORD_KEYS.map((key) => {
      return new cloudflare.DnsRecord(
        `${name}-main-a-${key}`,
        {
          zoneId: args.zoneId,
          name: hostName,
          type: "A",
          content: addresses.apply((a) => a[key]),
          proxied: true,
          // 1 = automatic, the only TTL a proxied record takes.
          ttl: 1,
          comment: `Renfort origin (${key} dedicated IP); managed by Pulumi`,
        },
        { parent: this },
      );
    });

    this.rulesetIds = pulumi
      .all([...rulesets, originAuthRuleset].map((r) => r.id))
      .apply((ids) => Object.fromEntries([...RULESETS, ORIGIN_AUTH_RULESET].map((r, i) => [r.phase, ids[i]])));
    this.settingIds = pulumi
      .all(settings.map((s) => s.id))
      .apply((ids) => Object.fromEntries(ZONE_SETTING_KEYS.map((s, i) => [s.settingId, ids[i]])));
    this.mainRecords = pulumi
      .all(dns.map((d) => pulumi.all([d.name, d.content])))
      .apply((pairs) => pairs.map(([n, c], i) => ({ key: ORIGIN_RECORD_KEYS[i], name: n, content: c ?? "" })));

    this.registerOutputs({ rulesetIds: this.rulesetIds, settingIds: this.settingIds, mainRecords: this.mainRecords });
  }
}
