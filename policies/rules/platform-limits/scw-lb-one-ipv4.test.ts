import { scwLbOneIpv4 as policy } from "./scw-lb-one-ipv4";
import { fx, mutate, urnOf } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";
import type { GateResource } from "../../lib/run";

const IP = "scaleway:loadbalancers/ip:Ip";
const v6 = (n: number): GateResource => mutate(fx.lbIp(n), "isIpv6", true);
/** The load balancer holding the given IPs (ids and dependencies, as the program declares them). */
const lbWith = (...ips: GateResource[]): GateResource => ({
  ...mutate(fx.lb(), "ipIds", ips.map((i) => `fr-par-1/${i.name}`)),
  dependencies: ips.map((i) => urnOf(IP, i.name)),
});

describe("scw-lb-one-ipv4", () => {
  test("passes with one IPv4", () => expectPass(policy, [fx.lbIp(1), fx.lb()]));
  test("passes with one IPv4 and one IPv6", () => expectPass(policy, [fx.lbIp(1), v6(2), lbWith(fx.lbIp(1), v6(2))]));
  test("fails with two IPv4 on one load balancer (the launch program's layout)", () =>
    expectViolation(policy, [fx.lbIp(1), fx.lbIp(2), lbWith(fx.lbIp(1), fx.lbIp(2))], "attaches 2 IPv4 addresses (lb-ip-1, lb-ip-2); Scaleway accepts 1"));
  test("fails with two IPv6", () => expectViolation(policy, [fx.lbIp(1), v6(2), v6(3), lbWith(fx.lbIp(1), v6(2), v6(3))], "attaches 2 IPv6 addresses"));
  test("fails on three ids when the IP resources are not in the program", () =>
    expectViolation(policy, [{ ...mutate(fx.lb(), "ipIds", ["fr-par-1/a", "fr-par-1/b", "fr-par-1/c"]), dependencies: [] }], "lists 3 ids in ipIds"));
});
