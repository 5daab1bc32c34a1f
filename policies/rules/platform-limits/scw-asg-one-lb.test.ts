import { scwAsgOneLb as policy } from "./scw-asg-one-lb";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const entry = (id: string) => ({ id, backendIds: [`${id}-backend`], privateNetworkId: "fr-par/33333333-3333-3333-3333-333333333333" });

describe("scw-asg-one-lb", () => {
  test("passes with one load balancer in the group's zone", () => expectPass(policy, [fx.lb(), fx.template(), fx.group()]));
  test("fails with two load balancers on one group (the provider would register it in none)", () =>
    expectViolation(policy, [fx.lb(), mutate(fx.group(), "loadBalancers", [entry("fr-par-1/lb"), entry("fr-par-2/lb-b")])], "lists 2 load balancers"));
  test("fails with a load balancer of another zone", () =>
    expectViolation(policy, [mutate(fx.lb(), "zone", "fr-par-2"), fx.group()], "in fr-par-1 registers in a load balancer in fr-par-2"));
  test("fails with a load balancer of another zone, read from its id", () =>
    expectViolation(policy, [{ ...mutate(fx.group(), "loadBalancers", [entry("fr-par-2/lb-b")]), dependencies: [] }], "load balancer in fr-par-2"));
  test("fails without a load balancer", () => expectViolation(policy, [mutate(fx.group(), "loadBalancers", undefined)], "registers in no load balancer"));
});
