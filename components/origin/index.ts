/**
 * The Scaleway side that receives Cloudflare's traffic and the apex redirect: two dedicated IPs on one
 * load balancer, TLS on 443 (Cloudflare Origin CA certificate for the main host, Let's Encrypt for the
 * apex), plain HTTP on 80, ACLs (apex 301, origin lock to Cloudflare's ranges, deny the rest, 80 -> https),
 * an HTTP backend with a /healthz check, and the app fleet behind it.
 * https://www.scaleway.com/en/docs/load-balancer/
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import { Fleet, type FleetArgs } from "../fleet";
import type { CapacityVerdict } from "../fleet/capacity";
import { originAcls } from "./acls";
import { cloudflareRanges } from "../../data/cloudflare-ranges";
import { apexARecords, apexCertificateWanted, customCertificateChain, sslCompatibilityLevel, type ApexRecord } from "./dns";

export type OriginFleetArgs = Omit<FleetArgs, "zone" | "region" | "projectId" | "privateNetworkId" | "privateSubnet" | "loadBalancerId" | "backendId" | "resourceName" | "tags">;

export interface OriginArgs {
  /** Zone of the load balancer and the fleet. Default: the provider's zone. */
  zone?: pulumi.Input<string>;
  /** Region of regional resources (registry). Default: the provider's region. */
  region?: pulumi.Input<string>;
  /** Scaleway project (scopes the fleet's registry-pull key). Required. */
  projectId: pulumi.Input<string>;
  /** Private network shared with the fleet and the database. Required. */
  privateNetworkId: pulumi.Input<string>;
  /** Its subnet. Required. */
  privateSubnet: string;
  /** Load balancer offer. Default "LB-GP-M". */
  loadBalancerType?: pulumi.Input<string>;
  /** TLS profile of the 443 frontend. Default "intermediate". */
  tlsCompatibility?: "intermediate" | "modern";
  /** Host Cloudflare proxies; the apex redirects here. Required. */
  mainHost: string;
  /** Apex domain (sovereign DNS, not proxied). Required. */
  apex: string;
  /** Declare the apex A records in Scaleway DNS (the zone `apex` must exist there). Default false. */
  apexDnsManagedHere?: boolean;
  /**
   * The apex zone's owner has pointed the apex A records at the two IPs (only read when `apexDnsManagedHere`
   * is false). Until then no Let's Encrypt certificate is requested for the apex. Default false.
   */
  apexDnsPointedHere?: boolean;
  /** TTL of the apex A records, seconds. Default 3600. */
  apexRecordTtl?: number;
  /** Cloudflare Origin CA certificate for the main host. Required. */
  originCertificate: {
    /** PEM CSR whose key is `privateKey`. */
    csr: pulumi.Input<string>;
    /** Secret PEM private key matching the CSR. */
    privateKey: pulumi.Input<string>;
    /** Days. Default 5475 (15 years, Cloudflare's maximum). */
    validityDays?: number;
  };
  /** Protect the two dedicated IPs against deletion (a new IP means DNS changes everywhere). Default true. */
  protectAddresses?: boolean;
  /** The app fleet behind the backend. Required. */
  fleet: OriginFleetArgs;
  /** Prefix of the Scaleway-side names. Default: the component name. */
  resourceName?: string;
  /** Tags on every Scaleway resource. Default []. */
  tags?: string[];
}

/** Stable keys of the two dedicated IPs, by purpose. */
export const IP_KEYS = ["primary", "secondary"] as const;

export class Origin extends pulumi.ComponentResource {
  /** Exactly the two dedicated IPs, primary first. */
  public readonly ipAddresses: pulumi.Output<string[]>;
  /** A records to hand to the apex zone's owner. */
  public readonly apexRecords: pulumi.Output<ApexRecord[]>;
  public readonly capacity: CapacityVerdict;
  public readonly registryEndpoint: pulumi.Output<string>;
  public readonly loadBalancerId: pulumi.Output<string>;
  public readonly backendId: pulumi.Output<string>;
  public readonly fleet: Fleet;

  constructor(name: string, args: OriginArgs, opts?: pulumi.ComponentResourceOptions) {
    super("renfort:origin:Origin", name, {}, opts);
    const base = args.resourceName ?? name;
    const tags = args.tags ?? [];
    const child = { parent: this };
    const appPort = args.fleet.appPort ?? 8080;
    const acls = originAcls({ apex: args.apex, mainHost: args.mainHost, cloudflareRanges: cloudflareRanges() });

    const ips = IP_KEYS.map(
      (key) =>
        new scaleway.loadbalancers.Ip(`${name}-ip-${key}`, { zone: args.zone, tags: [...tags, `renfort-ip-${key}`] }, { ...child, protect: args.protectAddresses ?? true }),
    );

    const lb = new scaleway.loadbalancers.LoadBalancer(
      `${name}-lb`,
      {
        name: base,
        description: "Renfort origin: Cloudflare-proxied main host and the apex redirect",
        type: args.loadBalancerType ?? "LB-GP-M",
        zone: args.zone,
        ipIds: ips.map((ip) => ip.id),
        privateNetworks: [{ privateNetworkId: args.privateNetworkId }],
        sslCompatibilityLevel: sslCompatibilityLevel(args.tlsCompatibility ?? "intermediate"),
        tags,
      },
      child,
    );

    const ipAddresses = pulumi.all(ips.map((ip) => ip.ipAddress));
    const apexRecords = ipAddresses.apply((addrs) => apexARecords(args.apex, addrs, args.apexRecordTtl ?? 3600));

    // Scaleway DNS only when the apex zone is managed here; otherwise the records are an output for its owner.
    const dnsRecords = (args.apexDnsManagedHere ?? false)
      ? IP_KEYS.map(
          (key, i) =>
            new scaleway.domain.Record(
              `${name}-apex-a-${key}`,
              { dnsZone: args.apex, name: "", type: "A", data: ips[i].ipAddress, ttl: args.apexRecordTtl ?? 3600 },
              child,
            ),
        )
      : [];

    // Let's Encrypt cannot validate the main host (it resolves to Cloudflare), so the LB presents a
    // Cloudflare Origin CA certificate for it, which Cloudflare trusts with SSL "Full (strict)".
    // https://developers.cloudflare.com/ssl/origin-configuration/origin-ca/
    const originCa = new cloudflare.OriginCaCertificate(
      `${name}-origin-ca`,
      { csr: args.originCertificate.csr, hostnames: [args.mainHost], requestType: "origin-rsa", requestedValidity: args.originCertificate.validityDays ?? 5475 },
      child,
    );
    const chain = pulumi.secret(pulumi.all([originCa.certificate, args.originCertificate.privateKey]).apply(([cert, key]) => customCertificateChain(cert, key)));
    const mainCert = new scaleway.loadbalancers.Certificate(`${name}-cert-main`, { lbId: lb.id, name: `${base}-main-origin-ca`, customCertificate: { certificateChain: chain } }, child);
    // The apex is not proxied, so Let's Encrypt validates it over HTTP-01 once its A records point at the
    // LB. Requesting it before that fails the first `pulumi up` and holds the 443 frontend back, so it is
    // declared only when the records are created here (dependsOn orders them) or declared pointed.
    const apexCert = apexCertificateWanted(args.apexDnsManagedHere ?? false, args.apexDnsPointedHere ?? false)
      ? new scaleway.loadbalancers.Certificate(
          `${name}-cert-apex`,
          { lbId: lb.id, name: `${base}-apex-letsencrypt`, letsencrypt: { commonName: args.apex } },
          { ...child, dependsOn: dnsRecords },
        )
      : undefined;
    const certificateIds = apexCert ? [mainCert.id, apexCert.id] : [mainCert.id];

    const backend = new scaleway.loadbalancers.Backend(
      `${name}-backend`,
      {
        lbId: lb.id,
        name: `${base}-app`,
        forwardProtocol: "http",
        forwardPort: appPort,
        forwardPortAlgorithm: "roundrobin",
        stickySessions: "none",
        proxyProtocol: "none",
        healthCheckHttp: { uri: "/healthz", method: "GET", code: 200 },
        healthCheckPort: appPort,
        healthCheckDelay: "5s",
        healthCheckTimeout: "3s",
        healthCheckMaxRetries: 3,
        onMarkedDownAction: "shutdown_sessions",
        timeoutConnect: "5s",
        timeoutServer: "30s",
      },
      // The autoscaling group registers its instances' private IPs in this backend; without this, every
      // `pulumi up` would remove them.
      { ...child, ignoreChanges: ["serverIps"] },
    );

    const frontends = {
      https: new scaleway.loadbalancers.Frontend(
        `${name}-https`,
        { lbId: lb.id, backendId: backend.id, name: `${base}-https`, inboundPort: 443, certificateIds, externalAcls: true, timeoutClient: "30s" },
        child,
      ),
      http: new scaleway.loadbalancers.Frontend(
        `${name}-http`,
        { lbId: lb.id, backendId: backend.id, name: `${base}-http`, inboundPort: 80, externalAcls: true, timeoutClient: "30s" },
        child,
      ),
    };
    for (const acl of acls) {
      new scaleway.loadbalancers.Acl(
        `${name}-acl-${acl.key}`,
        { frontendId: frontends[acl.frontend].id, index: acl.index, name: acl.key, description: acl.description, action: acl.action, match: acl.match },
        child,
      );
    }

    const fleet = new Fleet(
      `${name}-fleet`,
      {
        ...args.fleet,
        zone: args.zone,
        region: args.region,
        projectId: args.projectId,
        privateNetworkId: args.privateNetworkId,
        privateSubnet: args.privateSubnet,
        loadBalancerId: lb.id,
        backendId: backend.id,
        resourceName: base,
        tags,
      },
      child,
    );

    this.ipAddresses = ipAddresses;
    this.apexRecords = apexRecords;
    this.capacity = fleet.capacity;
    this.registryEndpoint = fleet.registryEndpoint;
    this.loadBalancerId = lb.id;
    this.backendId = backend.id;
    this.fleet = fleet;
    this.registerOutputs({
      ipAddresses,
      apexRecords,
      capacity: this.capacity,
      registryEndpoint: this.registryEndpoint,
      loadBalancerId: this.loadBalancerId,
      backendId: this.backendId,
    });
  }
}
