/**
 * The private network the fleet, the load balancer and the database share, and the NAT gateway that
 * gives the instances (which have no public address) outbound access to the registry and OS packages.
 * https://www.scaleway.com/en/docs/vpc/ and https://www.scaleway.com/en/docs/public-gateways/
 */
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";

export interface NetworkArgs {
  /** Region of the VPC and private network. Default: the provider's region. */
  region?: pulumi.Input<string>;
  /** Zone of the Public Gateway (the fleet's zone). Default: the provider's zone. */
  zone?: pulumi.Input<string>;
  /** IPv4 subnet of the private network, e.g. 172.16.0.0/22. Required. */
  privateSubnet: pulumi.Input<string>;
  /** Public Gateway offer for the fleet's outbound NAT. Default "VPC-GW-S". */
  egressGatewayType?: pulumi.Input<string>;
  /** Prefix of the Scaleway-side names. Default: the component name. */
  resourceName?: pulumi.Input<string>;
  /**
   * Let the instances open SMTP connections to ports 25, 465, 587 and 2525, which the Public Gateway blocks
   * otherwise (https://www.scaleway.com/en/docs/public-gateways/how-to/configure-a-public-gateway/#how-to-enable-smtp).
   * Only when the mail relay listens on none of the other ports (Brevo); TEM's 2587 passes. Default false.
   */
  enableSmtp?: boolean;
  /** Tags on every resource. Default []. */
  tags?: pulumi.Input<pulumi.Input<string>[]>;
}

export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly privateNetworkId: pulumi.Output<string>;
  /** The subnet actually allocated (as Scaleway reports it). */
  public readonly privateSubnet: pulumi.Output<string>;
  public readonly egressGatewayId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("renfort:network:Network", name, {}, opts);
    const base = args.resourceName ?? name;
    const tags = args.tags ?? [];

    const vpc = new scaleway.network.Vpc(`${name}-vpc`, { name: base, region: args.region, tags }, { parent: this });
    const pn = new scaleway.network.PrivateNetwork(
      `${name}-private`,
      { name: pulumi.interpolate`${base}-private`, vpcId: vpc.id, region: args.region, ipv4Subnet: { subnet: args.privateSubnet }, tags },
      { parent: this },
    );

    // Outbound only: masquerade (NAT) and a default route pushed through IPAM DHCP. No bastion, no port
    // forwarding, so nothing on the internet can open a connection to an instance through it. SMTP ports stay
    // blocked unless the relay needs one of them (enableSmtp).
    const gwIp = new scaleway.network.PublicGatewayIp(`${name}-egress-ip`, { zone: args.zone, tags }, { parent: this });
    const gw = new scaleway.network.PublicGateway(
      `${name}-egress`,
      { name: pulumi.interpolate`${base}-egress`, type: args.egressGatewayType ?? "VPC-GW-S", zone: args.zone, ipId: gwIp.id, bastionEnabled: false, enableSmtp: args.enableSmtp ?? false, tags },
      { parent: this },
    );
    new scaleway.network.GatewayNetwork(
      `${name}-egress-attachment`,
      { gatewayId: gw.id, privateNetworkId: pn.id, enableMasquerade: true, ipamConfigs: [{ pushDefaultRoute: true }], zone: args.zone },
      { parent: this },
    );

    this.vpcId = vpc.id;
    this.privateNetworkId = pn.id;
    this.privateSubnet = pn.ipv4Subnet.apply((s) => s.subnet ?? "");
    this.egressGatewayId = gw.id;
    this.registerOutputs({ vpcId: this.vpcId, privateNetworkId: this.privateNetworkId, privateSubnet: this.privateSubnet, egressGatewayId: this.egressGatewayId });
  }
}
