/**
 * The Scaleway side that receives Cloudflare's traffic and the apex redirect: one load balancer per
 * availability zone (two by default, `primary` and `secondary`), each with one flexible public IPv4
 * (and optionally one IPv6), identical certificates, frontends (443 TLS, 80), ACLs and an HTTP backend
 * with a /readyz check (./health-check.ts), all built from the same pure builders (./acls.ts, ./dns.ts). The app fleet
 * (components/fleet) is a sibling that registers in these backends: it takes `loadBalancers`.
 *
 * Why two load balancers: a public Scaleway load balancer has one IPv4 and optionally one IPv6 ("A public
 * Load Balancer must have an IPv4 address, and can optionally have an IPv6 address",
 * https://www.scaleway.com/en/docs/load-balancer/concepts/#flexible-ip-address), while the launch wants two
 * dedicated IPv4 addresses Cloudflare spreads traffic over. Why one per zone: see README.md.
 * https://www.scaleway.com/en/docs/load-balancer/
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as scaleway from "@pulumiverse/scaleway";
import { ORIGIN_AUTH_HEADER, originAcls } from "./acls";
import { ApexResolves } from "./apex-resolution";
import { backendHealthCheckArgs } from "./health-check";
import { cloudflareRanges } from "../../data/cloudflare-ranges";
import { apexARecords, apexCertificateWanted, customCertificateChain, sslCompatibilityLevel, type ApexRecord } from "./dns";

export interface OriginArgs {
  /**
   * Zones of the load balancers, one load balancer each, keyed by position: `primary`, `secondary`.
   * Default ["fr-par-1", "fr-par-2"]: a zone failure leaves one load balancer (and its instance group) serving.
   */
  zones?: string[];
  /** Private network shared with the fleet and the database. Required. */
  privateNetworkId: pulumi.Input<string>;
  /** Load balancer offer. Default "LB-GP-M". */
  loadBalancerType?: pulumi.Input<string>;
  /** TLS profile of the 443 frontends. Default "intermediate". */
  tlsCompatibility?: "intermediate" | "modern";
  /** Also give each load balancer a flexible IPv6 (one per load balancer, Scaleway's maximum). Default false. */
  ipv6?: boolean;
  /** Host Cloudflare proxies; the apex redirects here. Required. */
  mainHost: string;
  /** Apex domain (sovereign DNS, not proxied). Required. */
  apex: string;
  /** Declare the apex A records in Scaleway DNS (the zone `apex` must exist there). Default false. */
  apexDnsManagedHere?: boolean;
  /**
   * The apex zone's owner has pointed the apex A records at the load balancers' IPs (only read when
   * `apexDnsManagedHere` is false). Until then no Let's Encrypt certificate is requested for the apex.
   * Either way `pulumi up` verifies the resolution before requesting it. Default false.
   */
  apexDnsPointedHere?: boolean;
  /** How long `pulumi up` waits for the apex to resolve to the load balancers, seconds. Default 1800. */
  apexResolutionTimeoutSeconds?: number;
  /** TTL of the apex A records, seconds. Default 3600. */
  apexRecordTtl?: number;
  /** Port the app listens on: the backends forward to it and health-check it. Default 8080. */
  appPort?: number;
  /** Cloudflare Origin CA certificate for the main host. Required. */
  originCertificate: {
    /** PEM CSR whose key is `privateKey`. */
    csr: pulumi.Input<string>;
    /** Secret PEM private key matching the CSR. */
    privateKey: pulumi.Input<string>;
    /** Days. Default 5475 (15 years, Cloudflare's maximum). */
    validityDays?: number;
  };
  /** Protect the dedicated IPs against deletion (a new IP means DNS changes everywhere). Default true. */
  protectAddresses?: boolean;
  /** Prefix of the Scaleway-side names. Default: the component name. */
  resourceName?: string;
  /** Tags on every Scaleway resource. Default []. */
  tags?: string[];
  /**
   * Generations of the origin-auth secret (README "Rotating the origin-auth secret"). Each generation is one
   * `random.RandomPassword` (`<name>-origin-auth-g<n>`); the load balancers accept `current` and, during a
   * rotation, `previous`; the edge sends `current`. Default `{ current: 1 }`.
   */
  originAuthGenerations?: OriginAuthGenerations;
}

export interface OriginAuthGenerations {
  /** The generation the edge sends. An integer >= 1. */
  current: number;
  /** The generation still accepted during a rotation; drop it in the release after. */
  previous?: number;
}

/** The origin-auth generations to declare, current first; checked so that a typo cannot lock every visitor out. */
export function originAuthGenerationList(g: OriginAuthGenerations): number[] {
  const ok = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n >= 1;
  if (!ok(g.current)) throw new Error(`originAuthGenerations.current must be an integer >= 1, got ${JSON.stringify(g.current)}`);
  if (g.previous === undefined) return [g.current];
  if (!ok(g.previous)) throw new Error(`originAuthGenerations.previous must be an integer >= 1 or absent, got ${JSON.stringify(g.previous)}`);
  if (g.previous === g.current) throw new Error(`originAuthGenerations.previous must differ from current (both ${g.current}): drop previous once the rotation is done`);
  return [g.current, g.previous];
}

/** What the edge needs to pass the origin lock. */
export interface OriginAuth {
  /** Lower-case header name. */
  header: string;
  /**
   * The current secret value (a Pulumi secret). It resolves only once every ACL that accepts it is
   * deployed, so a resource using it (the edge's transform rule) is updated after the ACLs: during a
   * rotation the load balancers accept the new value before Cloudflare sends it.
   */
  value: pulumi.Output<string>;
}

/** Stable keys of the load balancers (and their IPs), by position in `zones`. */
export const LB_KEYS = ["primary", "secondary"] as const;
export const DEFAULT_ZONES = ["fr-par-1", "fr-par-2"] as const;

/** A load balancer as the fleet needs it. */
export interface OriginLoadBalancer {
  key: string;
  zone: string;
  loadBalancerId: pulumi.Output<string>;
  backendId: pulumi.Output<string>;
}

export class Origin extends pulumi.ComponentResource {
  /** The load balancers' IPv4 addresses, primary first. */
  public readonly ipAddresses: pulumi.Output<string[]>;
  /** Their IPv6 addresses when `ipv6`, else empty. */
  public readonly ipv6Addresses: pulumi.Output<string[]>;
  /** A records to hand to the apex zone's owner. */
  public readonly apexRecords: pulumi.Output<ApexRecord[]>;
  /** What the fleet registers in. */
  public readonly loadBalancers: OriginLoadBalancer[];
  /** The header the load balancers require of the main host's requests, and its current value (secret). */
  public readonly originAuth: OriginAuth;

  constructor(name: string, args: OriginArgs, opts?: pulumi.ComponentResourceOptions) {
    super("renfort:origin:Origin", name, {}, opts);
    const base = args.resourceName ?? name;
    const tags = args.tags ?? [];
    const child = { parent: this };
    const appPort = args.appPort ?? 8080;
    const zones = args.zones ?? [...DEFAULT_ZONES];
    if (zones.length < 1 || zones.length > LB_KEYS.length) {
      throw new Error(`Origin zones must list one or two zones (one load balancer each), got ${JSON.stringify(zones)}`);
    }
    // The origin-auth secret: generated here, never typed by anyone, secret in the state (the provider marks
    // `result` secret). 48 letters and digits: a header value with no character to escape anywhere
    // (Cloudflare, HAProxy's ACL argument), 285 bits.
    const generations = originAuthGenerationList(args.originAuthGenerations ?? { current: 1 });
    const authValues = generations.map(
      (g) => new random.RandomPassword(`${name}-origin-auth-g${g}`, { length: 48, special: false, upper: true, lower: true, numeric: true }, child).result,
    );
    const acls = originAcls({
      apex: args.apex,
      mainHost: args.mainHost,
      cloudflareRanges: cloudflareRanges(),
      originAuth: { header: ORIGIN_AUTH_HEADER, values: authValues.map((v) => pulumi.secret(v)) },
    });
    const protect = args.protectAddresses ?? true;
    const apexManaged = args.apexDnsManagedHere ?? false;
    const ttl = args.apexRecordTtl ?? 3600;

    // Let's Encrypt cannot validate the main host (it resolves to Cloudflare), so the load balancers present
    // a Cloudflare Origin CA certificate for it, which Cloudflare trusts with SSL "Full (strict)". One
    // certificate, uploaded to each load balancer. https://developers.cloudflare.com/ssl/origin-configuration/origin-ca/
    const originCa = new cloudflare.OriginCaCertificate(
      `${name}-origin-ca`,
      { csr: args.originCertificate.csr, hostnames: [args.mainHost], requestType: "origin-rsa", requestedValidity: args.originCertificate.validityDays ?? 5475 },
      child,
    );
    const chain = pulumi.secret(pulumi.all([originCa.certificate, args.originCertificate.privateKey]).apply(([cert, key]) => customCertificateChain(cert, key)));

    const lbs = zones.map((zone, i) => {
      const key = LB_KEYS[i];
      const ipv4 = new scaleway.loadbalancers.Ip(`${name}-ip-${key}`, { zone, tags: [...tags, `renfort-ip-${key}`] }, { ...child, protect });
      const ipv6 = args.ipv6
        ? new scaleway.loadbalancers.Ip(`${name}-ipv6-${key}`, { zone, isIpv6: true, tags: [...tags, `renfort-ip-${key}`] }, { ...child, protect })
        : undefined;
      // The provider does not move an attached IPv4 in place: on an `ip_ids` change its update only attaches
      // an added IPv6 (terraform-provider-scaleway v2.79.0 internal/services/lb/lb.go, ResourceLbUpdate;
      // `ip_ids` is not ForceNew). `replaceOnChanges` makes such a change an explicit replacement, and an IP
      // belongs to one load balancer at a time, so the old one goes first: that load balancer is down
      // meanwhile, the other keeps serving. The plan's stateful warning says so.
      const lb = new scaleway.loadbalancers.LoadBalancer(
        `${name}-lb-${key}`,
        {
          name: `${base}-${key}`,
          description: `Renfort origin (${key}, ${zone}): Cloudflare-proxied main host and the apex redirect`,
          type: args.loadBalancerType ?? "LB-GP-M",
          zone,
          ipIds: ipv6 ? [ipv4.id, ipv6.id] : [ipv4.id],
          privateNetworks: [{ privateNetworkId: args.privateNetworkId }],
          sslCompatibilityLevel: sslCompatibilityLevel(args.tlsCompatibility ?? "intermediate"),
          tags,
        },
        { ...child, replaceOnChanges: ["ipIds"], deleteBeforeReplace: true },
      );
      return { key, zone, ipv4, ipv6, lb };
    });

    const ipAddresses = pulumi.all(lbs.map((l) => l.ipv4.ipAddress));
    const ipv6Addresses = pulumi.all(lbs.flatMap((l) => (l.ipv6 ? [l.ipv6.ipAddress] : [])));
    const apexRecords = ipAddresses.apply((addrs) => apexARecords(args.apex, addrs, ttl));

    // Scaleway DNS only when the apex zone is managed here; otherwise the records are an output for its owner.
    const dnsRecords = apexManaged
      ? lbs.map((l) => new scaleway.domain.Record(`${name}-apex-a-${l.key}`, { dnsZone: args.apex, name: "", type: "A", data: l.ipv4.ipAddress, ttl }, child))
      : [];

    // The apex is not proxied, so Let's Encrypt validates it over HTTP-01 at an address the apex resolves
    // to. The certificates are declared once the records are declared here or said to be pointed, and in
    // both cases only requested after `pulumi up` has seen the apex resolve to every load balancer through
    // public resolvers (./apex-resolution.ts).
    const apexCheck = apexCertificateWanted(apexManaged, args.apexDnsPointedHere ?? false)
      ? new ApexResolves(
          `${name}-apex-resolves`,
          { apex: args.apex, expectedIps: ipAddresses, timeoutSeconds: args.apexResolutionTimeoutSeconds ?? 1800 },
          { ...child, dependsOn: dnsRecords },
        )
      : undefined;

    const allAcls: scaleway.loadbalancers.Acl[] = [];
    this.loadBalancers = lbs.map(({ key, zone, lb }) => {
      const mainCert = new scaleway.loadbalancers.Certificate(`${name}-cert-main-${key}`, { lbId: lb.id, name: `${base}-${key}-main-origin-ca`, customCertificate: { certificateChain: chain } }, child);
      const apexCert = apexCheck
        ? new scaleway.loadbalancers.Certificate(`${name}-cert-apex-${key}`, { lbId: lb.id, name: `${base}-${key}-apex-letsencrypt`, letsencrypt: { commonName: args.apex } }, { ...child, dependsOn: [apexCheck] })
        : undefined;
      const certificateIds = apexCert ? [mainCert.id, apexCert.id] : [mainCert.id];

      const backend = new scaleway.loadbalancers.Backend(
        `${name}-backend-${key}`,
        {
          lbId: lb.id,
          name: `${base}-${key}-app`,
          forwardProtocol: "http",
          forwardPort: appPort,
          forwardPortAlgorithm: "roundrobin",
          stickySessions: "none",
          proxyProtocol: "none",
          // the app's readiness, database included (./health-check.ts says why)
          ...backendHealthCheckArgs(appPort),
          onMarkedDownAction: "shutdown_sessions",
          timeoutConnect: "5s",
          timeoutServer: "30s",
        },
        // The autoscaling groups register their instances' private IPs in this backend; without this, every
        // `pulumi up` would remove them.
        { ...child, ignoreChanges: ["serverIps"] },
      );

      // Both frontends use the HTTP backend: Scaleway issues Let's Encrypt certificates through a port-80
      // frontend attached to an HTTP backend (README, "Let's Encrypt for the apex").
      const frontends = {
        https: new scaleway.loadbalancers.Frontend(
          `${name}-https-${key}`,
          { lbId: lb.id, backendId: backend.id, name: `${base}-${key}-https`, inboundPort: 443, certificateIds, externalAcls: true, timeoutClient: "30s" },
          child,
        ),
        http: new scaleway.loadbalancers.Frontend(
          `${name}-http-${key}`,
          { lbId: lb.id, backendId: backend.id, name: `${base}-${key}-http`, inboundPort: 80, externalAcls: true, timeoutClient: "30s" },
          child,
        ),
      };
      const aclResources = acls.map(
        (acl) =>
          new scaleway.loadbalancers.Acl(
          `${name}-acl-${key}-${acl.key}`,
          { frontendId: frontends[acl.frontend].id, index: acl.index, name: acl.key, description: acl.description, action: acl.action, match: acl.match },
          child,
        ),
      );
      allAcls.push(...aclResources);
      return { key, zone, loadBalancerId: lb.id, backendId: backend.id };
    });

    this.originAuth = {
      header: ORIGIN_AUTH_HEADER,
      value: pulumi.secret(pulumi.all([authValues[0], ...allAcls.map((a) => a.id)]).apply(([value]) => value)),
    };

    this.ipAddresses = ipAddresses;
    this.ipv6Addresses = ipv6Addresses;
    this.apexRecords = apexRecords;
    this.registerOutputs({
      ipAddresses,
      ipv6Addresses,
      apexRecords,
      loadBalancers: this.loadBalancers.map((l) => ({ key: l.key, zone: l.zone, loadBalancerId: l.loadBalancerId, backendId: l.backendId })),
    });
  }
}
