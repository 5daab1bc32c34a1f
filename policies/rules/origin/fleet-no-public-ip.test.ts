import { fleetNoPublicIp as policy } from "./fleet-no-public-ip";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("fleet-no-public-ip", () => {
  test("passes for a private template and server", () => expectPass(policy, [fx.template(), fx.server()]));
  test("fails with a public IPv4 on the template", () => expectViolation(policy, mutate(fx.template(), "publicIpsV4Count", 1), "1 public IPv4"));
  test("fails with a public IPv6 on the template", () => expectViolation(policy, mutate(fx.template(), "publicIpsV6Count", 1), "public IPv6"));
  test("fails with an IP on a server", () => expectViolation(policy, fx.server({ ipIds: ["fr-par-1/ip"] }), "public IP attached"));
  test("fails with a dynamic IP on a server", () => expectViolation(policy, fx.server({ enableDynamicIp: true }), "dynamic public IP"));
  test("passes for an allowed server", () => expectPass(policy, fx.server({ enableDynamicIp: true }), { allowServers: ["bastion"] }));
});
