import { scwAsgReleaseReplace as policy } from "./scw-asg-release-replace";
import { fx, mutate, urnOf } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";
import type { GateResource } from "../../lib/run";

const TEMPLATE = "scaleway:autoscaling/instanceTemplate:InstanceTemplate";
const tagged = (r: GateResource, release: string) => mutate(r, "tags", [...((r.props.tags as string[]) ?? []).filter((t) => !t.startsWith("renfort-release=")), `renfort-release=${release}`]);

describe("scw-asg-release-replace", () => {
  test("passes with a group and its own template of the same release", () => expectPass(policy, [fx.template(), fx.group()]));
  test("fails when a group keeps its name and points at a template of a new release (template_id is not updated in place)", () =>
    expectViolation(policy, [tagged(fx.template(), "r2"), fx.group()], "(release r1) runs template fleet-template of release r2"));
  test("fails without release tags", () => expectViolation(policy, [mutate(fx.template(), "tags", []), fx.group()], "has no renfort-release tag"));
  test("fails when two groups share a template", () => {
    const second = { ...fx.group(), name: "fleet-group-b", urn: `${fx.group().urn}-b` };
    return expectViolation(policy, [fx.template(), fx.group(), second], "is shared by fleet-group, fleet-group-b");
  });
  test("fails when a group depends on no template", () =>
    expectViolation(policy, [{ ...fx.group(), dependencies: [urnOf("scaleway:loadbalancers/loadBalancer:LoadBalancer", "lb")] }], "depends on 0 instance templates"));
  test("counts templates by type", () => expect(TEMPLATE).toBe(fx.template().type));
});
