import type { ProgramRun } from "../../tools/plan/harness";
import { committedStack, evaluateStack, withProviders } from "../../tools/plan/testing";
import { createNetwork, networkArgsFromConfig } from "./network";

describe("networkArgsFromConfig", () => {
  it.each(["staging", "prod"] as const)("maps the %s stack", (stack) => {
    const { config: cfg } = committedStack(stack);
    expect(networkArgsFromConfig(cfg)).toEqual({
      region: "fr-par",
      zone: "fr-par-1",
      privateSubnet: "172.16.0.0/22",
      egressGatewayType: "VPC-GW-S",
      enableSmtp: false,
      resourceName: `renfort-${stack}`,
      tags: ["renfort", `renfort-tier-${stack}`],
    });
  });
});

describe("Network", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    const prod = committedStack("prod");
    const cfg = prod.config;
    run = await evaluateStack(prod, () => {
      const network = createNetwork(cfg, withProviders(cfg));
      return { privateNetworkId: network.privateNetworkId, subnet: network.privateSubnet };
    });
  });
  const one = (type: string) => {
    const found = run.resources.filter((r) => r.type === type);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it("puts the private network with the configured subnet in the VPC", () => {
    const pn = one("scaleway:network/privateNetwork:PrivateNetwork");
    expect(pn.inputs).toMatchObject({ ipv4Subnet: { subnet: "172.16.0.0/22" }, region: "fr-par", vpcId: expect.stringMatching(/^fr-par\//) });
    expect(run.outputs.privateNetworkId).toEqual(expect.stringMatching(/^fr-par\//));
    expect(run.outputs.subnet).toBe("172.16.0.0/22");
  });

  it("gives the instances outbound NAT only: masquerade and a default route, no bastion", () => {
    expect(one("scaleway:network/publicGateway:PublicGateway").inputs).toMatchObject({ type: "VPC-GW-S", bastionEnabled: false, enableSmtp: false });
    expect(one("scaleway:network/gatewayNetwork:GatewayNetwork").inputs).toMatchObject({ enableMasquerade: true, ipamConfigs: [{ pushDefaultRoute: true }] });
  });

  it("parents every resource under the component with stable names", () => {
    const component = run.resources.find((r) => r.type === "renfort:network:Network");
    expect(component?.name).toBe("renfort-network");
    const children = run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    expect(children.map((r) => r.name).sort()).toEqual([
      "renfort-network-egress",
      "renfort-network-egress-attachment",
      "renfort-network-egress-ip",
      "renfort-network-private",
      "renfort-network-vpc",
    ]);
    for (const r of children) expect(r.parent).toBe(component?.urn);
  });

});
