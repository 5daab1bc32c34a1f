import { scwLbIps as policy } from "./scw-lb-ips";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const stack = () => [fx.lbIp(1), fx.lbIp(2), fx.lb()];

describe("scw-lb-ips", () => {
  test("passes with two protected IPs", () => expectPass(policy, stack()));
  test("fails with one IP", () => expectViolation(policy, [fx.lbIp(1), fx.lb()], "declares 1 loadbalancers.Ip"));
  test("fails with an unprotected IP", () => expectViolation(policy, [{ ...fx.lbIp(1), protect: false }, fx.lbIp(2), fx.lb()], "lb-ip-1 is not protected"));
  test("fails when ipIds lists one IP", () => expectViolation(policy, [fx.lbIp(1), fx.lbIp(2), mutate(fx.lb(), "ipIds", ["fr-par-1/x"])], "attaches 1 IPs"));
  test("fails with an auto-assigned flexible IP", () => expectViolation(policy, [fx.lbIp(1), fx.lbIp(2), mutate(fx.lb(), "assignFlexibleIp", true)], "automatically assigned"));
});
