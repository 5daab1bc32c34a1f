/**
 * Fixture factory: one valid (policy-compliant) resource per type, named by purpose, and the whole
 * compliant stack. Tests apply ONE mutation per failing case with `mutate`.
 * Props are typed with the providers' own arg types (`lib/types.ts`).
 */
import type { GateResource } from "../lib/run";
import type {
  DbAclProps,
  DbInstanceProps,
  DnsRecordProps,
  InstanceGroupProps,
  InstanceTemplateProps,
  LbAclProps,
  LbBackendProps,
  LbCertificateProps,
  LbFrontendProps,
  LbIpProps,
  LbProps,
  OriginCaCertificateProps,
  RulesetProps,
  ScalewayProviderProps,
  ServerProps,
  ContainerProps,
  ZoneSettingProps,
} from "../lib/types";

export const ZONE_ID = "0123456789abcdef0123456789abcdef";
export const APEX = "renfort.example.fr";
export const HOST = `app.${APEX}`;
export const IMAGE = `rg.fr-par.scw.cloud/renfort-prod/app@sha256:${"ab12".repeat(16)}`;
export const DKIM_2048 =
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArG31x3INMcylSUrx6/AjacSVMaW5eOHjPtxDVQ1I3Gst6TcaSJAemYrJcMAsrdToat9IBjRpy+fE3hL4/UXyRGZUhbUA5Dk4wkmJLr8bJftPOTdUG3mKE2oTzxE7NW8L6RFd7t66AtzzHjkY2QSTbGmnsAlOG0Ul00ZmwYZGluDeYpMeg5DJNzSbovHq0ismuBp96u6dPenIRhdjTm5z36kdUs3YoCy9T/xhOXRpCAWO+Znu3gaCxZhu07TN+C4fkHWu3o+DbrJYPxYWZQb/tIOYn+OLzhjFpTiZeW/2GQ9V6mZTFGGs2vUV8uNbZ17kOa/Ns2x2bI8G9KDbahD7zQIDAQAB";
export const DKIM_1024 =
  "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDQgGRDoYBXmw6q5lY0H0D+dQbZpL3MowZvplrtMmeOUPjGh88TW4MNFc+G0D1AtF90ytDZOqbOVnp7kxCwj10EMHVQdeecEdjr4c2VJ6qwy9jen0INWQujE6fIBHdvgdNcXyC7samyTL3kTRMYilnEvBUCkmoRH49V02wsl6E+ewIDAQAB";
export const DKIM_ED25519 = "eHiVBVpn3MqgL6mxCkMAJ1qNibTUp5BTXBe0Q0vdzvM=";
/** A secret-looking value: tests assert it never appears in a message. */
export const ORIGIN_AUTH_HEADER = "x-renfort-origin-auth";
export const ORIGIN_AUTH_VALUE = "origin-auth-Q7m2x9LkT4vB8nR1";
export const SECRET_VALUE = "Zk8#pQ2!vN7rT4wX9yB3mC6dF1gH5jK0";

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:prod::renfort::${type}::${name}`;
}

function res<P extends object>(type: string, name: string, props: P, extra: Partial<GateResource> = {}): GateResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    props: JSON.parse(JSON.stringify(props)) as Record<string, unknown>,
    protect: false,
    dependencies: [],
    ...extra,
  };
}

/** Deep-clone `r` and set (or delete, with `undefined`) the prop at a dotted path, e.g. `rules.0.action`. */
export function mutate(r: GateResource, path: string, value: unknown): GateResource {
  const copy = JSON.parse(JSON.stringify(r)) as GateResource;
  const keys = path.split(".");
  let cur: Record<string, unknown> = copy.props;
  for (const k of keys.slice(0, -1)) {
    if (cur[k] === undefined || cur[k] === null) cur[k] = /^\d+$/.test(k) ? [] : {};
    cur = cur[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return copy;
}

const zoneSetting = (settingId: string, value: ZoneSettingProps["value"]) =>
    res<ZoneSettingProps>("cloudflare:index/zoneSetting:ZoneSetting", `edge-${settingId}`, {
      zoneId: ZONE_ID,
      settingId,
      value,
    });

const ruleset = (phase: string, rules: RulesetProps["rules"], name = phase) =>
    res<RulesetProps>("cloudflare:index/ruleset:Ruleset", `edge-${name}`, {
      zoneId: ZONE_ID,
      name,
      kind: "zone",
      phase,
      rules,
    });

const dns = (name: string, type: string, content: string, extra: Partial<DnsRecordProps> = {}, key = `${type}-${name}`) =>
    res<DnsRecordProps>("cloudflare:index/dnsRecord:DnsRecord", `dns-${key}`, {
      zoneId: ZONE_ID,
      name,
      type,
      content,
      ttl: type === "A" || type === "AAAA" || type === "CNAME" ? 1 : 3600,
      ...extra,
    });

const cloudInit = (plainEnv = "NODE_ENV=production\nPORT=8080\nPG_POOL_SIZE=20", image = IMAGE) =>
    [
      "#cloud-config",
      "write_files:",
      "  - path: /etc/renfort/app.env",
      "    content: |",
      "      # BEGIN renfort plain env",
      ...plainEnv.split("\n").map((l) => `      ${l}`),
      "      # END renfort plain env",
      "  - path: /etc/renfort/secret.env",
      "    permissions: '0600'",
      "    content: |",
      `      DATABASE_PASSWORD=${SECRET_VALUE}`,
      "runcmd:",
      `  - docker pull ${image}`,
      `  - docker run -d --env-file /etc/renfort/app.env --env-file /etc/renfort/secret.env -p 8080:8080 ${image}`,
    ].join("\n");

const capacityTags = (o: Partial<Record<"target" | "perInstance" | "headroom" | "pool", string>> = {}) => [
    `renfort-capacity-target=${o.target ?? "600"}`,
    `renfort-capacity-per-instance=${o.perInstance ?? "120"}`,
    `renfort-capacity-headroom=${o.headroom ?? "1.5"}`,
    `renfort-pool-size=${o.pool ?? "20"}`,
  ];

export const fx = {
  zoneSetting,
  ruleset,
  dns,
  cloudInit,
  capacityTags,
  hsts: () =>
    zoneSetting("security_header", {
      strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: true, preload: false, nosniff: true },
    }),
  edgeSettings: () => [
    zoneSetting("ssl", "strict"),
    zoneSetting("min_tls_version", "1.2"),
    zoneSetting("always_use_https", "on"),
    zoneSetting("tls_1_3", "on"),
    zoneSetting("0rtt", "off"),
    fx.hsts(),
  ],
  wafManaged: () =>
    ruleset("http_request_firewall_managed", [
      { ref: "cf_managed", expression: "true", action: "execute", actionParameters: { id: "efb7b8c949ac4650a09736fc376e9aee" } },
      { ref: "owasp", expression: "true", action: "execute", actionParameters: { id: "4814384a9e5d4991b9815dcfc25d2f1f" } },
    ]),
  wafCustom: () =>
    ruleset("http_request_firewall_custom", [
      { ref: "geo_ban", expression: '(ip.src.country in {"KP" "RU"})', action: "block" },
      { ref: "admin", expression: '(starts_with(http.request.uri.path, "/admin"))', action: "managed_challenge" },
    ]),
  rateLimit: () =>
    ruleset("http_ratelimit", [
      {
        ref: "api_writes",
        expression: '(starts_with(http.request.uri.path, "/api/") and http.request.method in {"POST" "PUT" "PATCH" "DELETE"})',
        action: "block",
        ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 60, requestsPerPeriod: 120, mitigationTimeout: 600 },
      },
    ]),
  cacheRules: () =>
    ruleset("http_request_cache_settings", [
      { ref: "bypass_api", expression: '(starts_with(http.request.uri.path, "/api/"))', action: "set_cache_settings", actionParameters: { cache: false } },
      {
        ref: "static",
        expression: '(starts_with(http.request.uri.path, "/assets/"))',
        action: "set_cache_settings",
        actionParameters: { cache: true, originCacheControl: true, edgeTtl: { mode: "respect_origin" }, browserTtl: { mode: "respect_origin" } },
      },
    ]),
  /** The origin lock's edge half: sets the secret header on the main host's requests. */
  originAuthRuleset: () =>
    ruleset(
      "http_request_late_transform",
      [
        {
          ref: "origin_auth_header",
          expression: `http.host eq "${HOST}"`,
          action: "rewrite",
          enabled: true,
          actionParameters: { headers: { [ORIGIN_AUTH_HEADER]: { operation: "set", value: ORIGIN_AUTH_VALUE } } },
        },
      ],
      "origin-auth",
    ),
  appRecords: () => [
    { ...dns(HOST, "A", "51.159.10.1", { proxied: true }, "app-a-1"), dependencies: [urnOf("scaleway:loadbalancers/ip:Ip", "lb-ip-1")] },
    { ...dns(HOST, "A", "51.159.10.2", { proxied: true }, "app-a-2"), dependencies: [urnOf("scaleway:loadbalancers/ip:Ip", "lb-ip-2")] },
  ],
  /** DNS-only apex records (the load balancer answers the apex itself; listed in cf-dns-proxied.dnsOnlyNames). */
  apexRecords: () => [
    dns(APEX, "A", "51.159.10.1", { proxied: false }, "apex-a-1"),
    dns(APEX, "A", "51.159.10.2", { proxied: false }, "apex-a-2"),
  ],
  spf: (content = '"v=spf1 include:_spf.tem.scaleway.com -all"', name = APEX) => dns(name, "TXT", content, {}, `spf-${name}`),
  dmarc: (content = `"v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:dmarc@${APEX}"`, name = `_dmarc.${APEX}`) =>
    dns(name, "TXT", content, {}, `dmarc-${name}`),
  dkim: (p = DKIM_2048, extra = "") =>
    dns(`tem._domainkey.${APEX}`, "TXT", `v=DKIM1; h=sha256; k=rsa;${extra} p=${p}`, {}, "dkim-tem"),
  mx: () => dns(APEX, "MX", "blackhole.tem.scaleway.com", { priority: 10 }, "mx"),
  originCert: () =>
    res<OriginCaCertificateProps>("cloudflare:index/originCaCertificate:OriginCaCertificate", "origin-cert", {
      csr: "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----",
      hostnames: [HOST],
      requestType: "origin-rsa",
      requestedValidity: 5475,
    }),
  lbIp: (n: number) =>
    res<LbIpProps>("scaleway:loadbalancers/ip:Ip", `lb-ip-${n}`, { zone: "fr-par-1" }, { protect: true }),
  lb: () =>
    res<LbProps>(
      "scaleway:loadbalancers/loadBalancer:LoadBalancer",
      "lb",
      {
        type: "LB-GP-M",
        zone: "fr-par-1",
        // One IPv4 per load balancer (Scaleway's limit); the stack's second IPv4 is another load balancer's.
        ipIds: ["fr-par-1/11111111-1111-1111-1111-111111111111"],
        sslCompatibilityLevel: "ssl_compatibility_level_intermediate",
        privateNetworks: [{ privateNetworkId: "fr-par/33333333-3333-3333-3333-333333333333" }],
      },
      { dependencies: [urnOf("scaleway:loadbalancers/ip:Ip", "lb-ip-1")] },
    ),
  backend: () =>
    res<LbBackendProps>(
      "scaleway:loadbalancers/backend:Backend",
      "lb-backend",
      {
        lbId: "fr-par-1/lb",
        forwardProtocol: "http",
        forwardPort: 8080,
        healthCheckHttp: { uri: "/readyz", method: "GET", code: 200 },
        healthCheckDelay: "5s",
        healthCheckTimeout: "3s",
        healthCheckMaxRetries: 3,
      },
      { dependencies: [urnOf("scaleway:loadbalancers/loadBalancer:LoadBalancer", "lb")] },
    ),
  frontend: (port: 80 | 443) =>
    res<LbFrontendProps>(
      "scaleway:loadbalancers/frontend:Frontend",
      `lb-fe-${port}`,
      { lbId: "fr-par-1/lb", backendId: "fr-par-1/backend", inboundPort: port, externalAcls: true, ...(port === 443 ? { certificateIds: ["fr-par-1/cert"] } : {}) },
      {
        dependencies: [
          urnOf("scaleway:loadbalancers/loadBalancer:LoadBalancer", "lb"),
          urnOf("scaleway:loadbalancers/backend:Backend", "lb-backend"),
          ...(port === 443 ? [urnOf("scaleway:loadbalancers/certificate:Certificate", "lb-cert")] : []),
        ],
      },
    ),
  lbAcl: (key: string, port: 80 | 443, props: Omit<LbAclProps, "frontendId">) =>
    res<LbAclProps>("scaleway:loadbalancers/acl:Acl", `lb-acl-${key}`, { frontendId: `fr-par-1/fe-${port}`, ...props }, {
      dependencies: [urnOf("scaleway:loadbalancers/frontend:Frontend", `lb-fe-${port}`)],
    }),
  lbAcls: () => [
    fx.lbAcl("http-to-https", 80, {
      index: 0,
      match: { ipSubnets: ["0.0.0.0/0", "::/0"] },
      action: { type: "redirect", redirects: [{ type: "scheme", target: "https", code: 301 }] },
    }),
    fx.lbAcl("apex-redirect", 443, {
      index: 0,
      match: { httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: [APEX] },
      action: { type: "redirect", redirects: [{ type: "location", target: `https://${HOST}{{path}}`, code: 301 }] },
    }),
    fx.lbAcl("deny-other-hosts", 443, {
      index: 1,
      match: { httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: [HOST], invert: true },
      action: { type: "deny" },
    }),
    fx.lbAcl("allow-cloudflare", 443, {
      index: 2,
      match: {
        ipSubnets: ["173.245.48.0/20", "104.16.0.0/13", "2606:4700::/32"],
        httpFilter: "http_header_match",
        httpFilterOption: ORIGIN_AUTH_HEADER,
        httpFilterValues: [ORIGIN_AUTH_VALUE],
      },
      action: { type: "allow" },
    }),
    fx.lbAcl("deny-others", 443, { index: 3, match: { ipSubnets: ["0.0.0.0/0", "::/0"] }, action: { type: "deny" } }),
  ],
  lbCert: () =>
    res<LbCertificateProps>(
      "scaleway:loadbalancers/certificate:Certificate",
      "lb-cert",
      { lbId: "fr-par-1/lb", customCertificate: { certificateChain: "-----BEGIN CERTIFICATE-----\nsecret-chain\n-----END CERTIFICATE-----" } },
      {
        dependencies: [
          urnOf("scaleway:loadbalancers/loadBalancer:LoadBalancer", "lb"),
          urnOf("cloudflare:index/originCaCertificate:OriginCaCertificate", "origin-cert"),
        ],
      },
    ),
  db: () =>
    res<DbInstanceProps>(
      "scaleway:databases/instance:Instance",
      "db",
      {
        region: "fr-par",
        engine: "PostgreSQL-16",
        nodeType: "DB-PRO2-M",
        isHaCluster: true,
        userName: "renfort_admin",
        password: SECRET_VALUE,
        encryptionAtRest: true,
        disableBackup: false,
        backupScheduleFrequency: 24,
        backupScheduleRetention: 7,
        backupSameRegion: true,
        volumeType: "sbs_15k",
        volumeSizeInGb: 100,
        privateNetwork: { pnId: "fr-par/33333333-3333-3333-3333-333333333333", enableIpam: true },
        loadBalancer: {},
        settings: { max_connections: "1000" }, // the fixture group: 2 releases x 20 x (20 + 1) + 20 reserve = 860
      },
      { protect: true },
    ),
  // A public address outside the documentation ranges (scw-db-acl-documentation-range refuses those).
  dbAcl: (ips: string[] = ["51.159.10.20/32"]) =>
    res<DbAclProps>("scaleway:databases/acl:Acl", "db-acl", { instanceId: "fr-par/db", aclRules: ips.map((ip) => ({ ip, description: "admin runner" })) }, {
      dependencies: [urnOf("scaleway:databases/instance:Instance", "db")],
    }),
  template: (init: string = cloudInit()) =>
    res<InstanceTemplateProps>("scaleway:autoscaling/instanceTemplate:InstanceTemplate", "fleet-template", {
      zone: "fr-par-1",
      commercialType: "PRO2-S",
      imageId: "ubuntu_jammy",
      privateNetworkIds: ["fr-par/33333333-3333-3333-3333-333333333333"],
      publicIpsV4Count: 0,
      publicIpsV6Count: 0,
      cloudInit: init,
      tags: ["renfort-release=r1"],
    }),
  group: (tags: string[] = capacityTags()) =>
    res<InstanceGroupProps>(
      "scaleway:autoscaling/instanceGroup:InstanceGroup",
      "fleet-group",
      {
        zone: "fr-par-1",
        templateId: "fr-par-1/template",
        capacities: [{ minReplicas: 8, maxReplicas: 20, cooldownDelay: 300 }],
        loadBalancers: [{ id: "fr-par-1/lb", backendIds: ["fr-par-1/backend"], privateNetworkId: "fr-par/33333333-3333-3333-3333-333333333333" }],
        tags: [...tags, "renfort-release=r1"],
      },
      {
        dependencies: [
          urnOf("scaleway:autoscaling/instanceTemplate:InstanceTemplate", "fleet-template"),
          urnOf("scaleway:loadbalancers/loadBalancer:LoadBalancer", "lb"),
          urnOf("scaleway:loadbalancers/backend:Backend", "lb-backend"),
        ],
      },
    ),
  server: (props: Partial<ServerProps> = {}) =>
    res<ServerProps>("scaleway:instance/server:Server", "bastion", { zone: "fr-par-1", type: "PRO2-XXS", image: "ubuntu_jammy", ...props }),
  container: (props: Partial<ContainerProps> = {}) =>
    res<ContainerProps>("scaleway:containers/container:Container", "worker", {
      namespaceId: "fr-par/ns",
      image: IMAGE,
      environmentVariables: { NODE_ENV: "production" },
      ...props,
    }),
  scalewayProvider: (props: Partial<ScalewayProviderProps> = { region: "fr-par", zone: "fr-par-1" }) =>
    res<ScalewayProviderProps>("pulumi:providers:scaleway", "scaleway", props),
};

/** Every resource of a compliant prod stack: the gate must find no mandatory violation in it. */
export function compliantStack(): GateResource[] {
  return [
    fx.scalewayProvider(),
    ...fx.edgeSettings(),
    fx.wafManaged(),
    fx.wafCustom(),
    fx.rateLimit(),
    fx.cacheRules(),
    fx.originAuthRuleset(),
    ...fx.appRecords(),
    fx.spf(),
    fx.dmarc(),
    fx.dkim(),
    fx.mx(),
    fx.originCert(),
    fx.lbIp(1),
    fx.lbIp(2),
    fx.lb(),
    fx.backend(),
    fx.frontend(80),
    fx.frontend(443),
    ...fx.lbAcls(),
    fx.lbCert(),
    fx.db(),
    fx.dbAcl(),
    fx.template(),
    fx.group(),
  ];
}

/** Replace the resource with the same urn in a stack (one mutation per failing case). */
export function replace(stack: GateResource[], r: GateResource): GateResource[] {
  return stack.map((x) => (x.urn === r.urn ? r : x));
}

export function find(stack: GateResource[], name: string): GateResource {
  const r = stack.find((x) => x.name === name);
  if (!r) throw new Error(`fixture ${name} not found`);
  return r;
}
