import { scwLbIps as policy } from "./scw-lb-ips";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const stack = () => [fx.lbIp(1), fx.lbIp(2), fx.lb()];
const ipv6 = () => ({ ...mutate(fx.lbIp(3), "isIpv6", true) });

describe("scw-lb-ips", () => {
  test("passes with two protected IPs", () => expectPass(policy, stack()));
  test("fails with one IP", () => expectViolation(policy, [fx.lbIp(1), fx.lb()], "declares 1 IPv4 loadbalancers.Ip"));
  test("does not count IPv6 addresses", () => expectViolation(policy, [fx.lbIp(1), ipv6(), fx.lb()], "declares 1 IPv4 loadbalancers.Ip"));
  test("passes with two IPv4 and an IPv6", () => expectPass(policy, [...stack(), ipv6()]));
  test("fails with an unprotected IP", () => expectViolation(policy, [{ ...fx.lbIp(1), protect: false }, fx.lbIp(2), fx.lb()], "lb-ip-1 is not protected"));
  test("fails when ipIds lists no IP", () => expectViolation(policy, [fx.lbIp(1), fx.lbIp(2), mutate(fx.lb(), "ipIds", [])], "attaches no dedicated IP"));
  test("fails with an auto-assigned flexible IP", () => expectViolation(policy, [fx.lbIp(1), fx.lbIp(2), mutate(fx.lb(), "assignFlexibleIp", true)], "automatically assigned"));
});
