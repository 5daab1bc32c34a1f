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
import * as acme from "@pulumiverse/acme";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as scaleway from "@pulumiverse/scaleway";
import { ORIGIN_AUTH_HEADER, originAcls } from "./acls";
import { backendHealthCheckArgs } from "./health-check";
import { cloudflareRanges } from "../../data/cloudflare-ranges";
import { ACME_DIRECTORIES, apexAcmeDelegation, apexARecords, customCertificateChain, sslCompatibilityLevel, type AcmeDelegation, type AcmeDirectory, type ApexRecord } from "./dns";

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
  /** Declare the apex A records and the ACME delegation CNAME in Scaleway DNS (the zone `apex` must exist there). Default false. */
  apexDnsManagedHere?: boolean;
  /**
   * The Cloudflare zone (by name) that answers the apex's DNS-01 challenge: `_acme-challenge.<apex>` is a
   * CNAME to a name in it (`apexAcmeDelegation`). Required.
   */
  acmeChallengeZone: string;
  /**
   * Request the apex's Let's Encrypt certificate over DNS-01 and present it on every load balancer. Leave it
   * out until `_acme-challenge.<apex>` is delegated (declared here when `apexDnsManagedHere`). Default: none.
   */
  apexCertificate?: ApexCertificateArgs;
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

/** The apex's certificate: one ACME order over DNS-01, uploaded to every load balancer. */
export interface ApexCertificateArgs {
  /**
   * Secret Cloudflare API token lego answers the challenge with (Zone > Zone > Read and Zone > DNS > Edit on
   * `acmeChallengeZone`, https://go-acme.github.io/lego/dns/cloudflare/). Required.
   */
  dnsApiToken: pulumi.Input<string>;
  /** Let's Encrypt directory. Default "letsencrypt" (production). */
  acmeDirectory?: AcmeDirectory;
  /** A `pulumi up` renews the certificate once fewer days than this remain. Default 30. */
  minDaysRemaining?: number;
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
  /** The CNAME that delegates the apex's DNS-01 challenge to the Cloudflare zone (declared here when `apexDnsManagedHere`). */
  public readonly apexAcmeDelegation: AcmeDelegation;
  /** When the apex certificate expires (RFC 3339), or undefined when none is declared. Not secret. */
  public readonly apexCertificateNotAfter: pulumi.Output<string | undefined>;
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
    if (apexManaged) {
      for (const l of lbs) new scaleway.domain.Record(`${name}-apex-a-${l.key}`, { dnsZone: args.apex, name: "", type: "A", data: l.ipv4.ipAddress, ttl }, child);
    }

    // The apex's certificate: ONE Let's Encrypt order over DNS-01, uploaded to every load balancer as a custom
    // certificate. Not Scaleway's own Let's Encrypt certificates: those validate over HTTP-01, and with the apex
    // resolving to two load balancers the CA fetches the token at one address of its choosing ("the server will
    // connect to at least one of the hosts found in the DNS A and AAAA records, at its discretion", RFC 8555
    // §8.3), while each load balancer holds only its own order's token: one of the two orders fails.
    // DNS-01 does not need the apex to resolve to the load balancers at all, only the challenge delegation.
    const delegation = apexAcmeDelegation(args.apex, args.acmeChallengeZone, ttl);
    const delegationRecord = apexManaged
      ? new scaleway.domain.Record(
          `${name}-apex-acme-delegation`,
          // The CNAME target as a fully qualified name with its trailing dot, the form scaleway_domain_record users
          // write (assumed: the provider docs show no CNAME example).
          { dnsZone: args.apex, name: delegation.name.slice(0, -(args.apex.length + 1)), type: "CNAME", data: `${delegation.value}.`, ttl },
          child,
        )
      : undefined;
    const apexChain = args.apexCertificate ? this.apexCertificate(name, args.apex, args.apexCertificate, delegationRecord) : undefined;

    const allAcls: scaleway.loadbalancers.Acl[] = [];
    this.loadBalancers = lbs.map(({ key, zone, lb }) => {
      const mainCert = new scaleway.loadbalancers.Certificate(`${name}-cert-main-${key}`, { lbId: lb.id, name: `${base}-${key}-main-origin-ca`, customCertificate: { certificateChain: chain } }, child);
      const apexCert = apexChain
        ? new scaleway.loadbalancers.Certificate(`${name}-cert-apex-${key}`, { lbId: lb.id, name: `${base}-${key}-apex-dns01`, customCertificate: { certificateChain: apexChain.chain } }, child)
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

      // Both frontends use the HTTP backend; the port-80 one only redirects (its ACLs answer every request).
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
    this.apexAcmeDelegation = delegation;
    this.apexCertificateNotAfter = apexChain ? apexChain.notAfter.apply((d): string | undefined => d) : pulumi.output(undefined);
    this.registerOutputs({
      ipAddresses,
      ipv6Addresses,
      apexRecords,
      apexAcmeDelegation: delegation,
      apexCertificateNotAfter: this.apexCertificateNotAfter,
      loadBalancers: this.loadBalancers.map((l) => ({ key: l.key, zone: l.zone, loadBalancerId: l.loadBalancerId, backendId: l.backendId })),
    });
  }

  /**
   * The ACME account and the apex's certificate, through an explicit provider pinned to the stack's directory
   * (an account belongs to one CA: the provider's docs warn that switching `serverUrl` under a registration
   * fails). Returns the load balancers' chain (secret) and the expiry date.
   */
  private apexCertificate(name: string, apex: string, a: ApexCertificateArgs, delegationRecord: scaleway.domain.Record | undefined): { chain: pulumi.Output<string>; notAfter: pulumi.Output<string> } {
    const child = { parent: this };
    const provider = new acme.Provider(`${name}-acme`, { serverUrl: ACME_DIRECTORIES[a.acmeDirectory ?? "letsencrypt"] }, child);
    // The account key is generated by the provider (ECDSA P-384 by default) and kept secret in the state
    // (`additionalSecretOutputs: ["accountKeyPem"]` in @pulumiverse/acme registration.js). No contact email:
    // Let's Encrypt no longer sends expiry mail (https://letsencrypt.org/2025/06/26/expiration-notification-service-has-ended).
    const account = new acme.Registration(`${name}-acme-account`, {}, { ...child, provider });
    const token = pulumi.secret(a.dnsApiToken);
    const certificate = new acme.Certificate(
      `${name}-apex-certificate`,
      {
        accountKeyPem: account.accountKeyPem,
        commonName: apex,
        // RSA 2048, the provider's default, stated: what every client and the load balancer's TLS profiles take.
        keyType: "2048",
        minDaysRemaining: a.minDaysRemaining ?? 30,
        // lego's Cloudflare provider: CF_DNS_API_TOKEN writes the TXT record, CF_ZONE_API_TOKEN finds the zone
        // (https://go-acme.github.io/lego/dns/cloudflare/). One token holding both permissions. The `config` map
        // is Sensitive in terraform-provider-acme's schema, and the token is a Pulumi secret here.
        dnsChallenges: [{ provider: "cloudflare", config: { CF_DNS_API_TOKEN: token, CF_ZONE_API_TOKEN: token } }],
      },
      { ...child, provider, dependsOn: delegationRecord ? [delegationRecord] : [] },
    );
    const chain = pulumi.secret(
      pulumi.all([certificate.certificatePem, certificate.issuerPem, certificate.privateKeyPem]).apply(([leaf, issuer, key]) =>
        customCertificateChain(leaf, key, {
          intermediatesPem: issuer,
          certificateFrom: `the apex certificate Let's Encrypt issued for ${apex}`,
          emptyKeyMessage: `the apex certificate for ${apex} came back without its private key`,
        }),
      ),
    );
    return { chain, notAfter: certificate.certificateNotAfter };
  }
}
