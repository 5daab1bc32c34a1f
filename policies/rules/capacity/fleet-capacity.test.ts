import { fleetCapacity as policy } from "./fleet-capacity";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";
import type { GateResource } from "../../lib/run";

const g = () => fx.group();
/** The group as one of a release's groups, under its own name. */
const withRelease = (r: GateResource, release: string, key: string): GateResource => {
  const copy = mutate(r, "tags", [...((r.props.tags as string[]) ?? []), `renfort-release=${release}`]);
  return { ...copy, name: `${copy.name}-${key}`, urn: `${copy.urn}-${key}` };
};

describe("fleet-capacity", () => {
  test("passes: 8 x 120 = 960 >= 600 x 1.5", () => expectPass(policy, [fx.template(), g()]));
  test("fails when the fleet is too small for the target", () =>
    expectViolation(policy, [mutate(g(), "capacities.0.minReplicas", 7)], "set minReplicas >= 8"));
  test("adds up the groups of one release (one per load balancer): 4 + 4 = 8 x 120 = 960", () =>
    expectPass(policy, [withRelease(mutate(g(), "capacities.0.minReplicas", 4), "r1", "a"), withRelease(mutate(g(), "capacities.0.minReplicas", 4), "r1", "b")]));
  test("does not add up groups of different releases (old and new fleet)", () =>
    expectViolation(policy, [withRelease(mutate(g(), "capacities.0.minReplicas", 4), "r1", "a"), withRelease(mutate(g(), "capacities.0.minReplicas", 4), "r2", "b")], "starts with 4 instances"));
  test("fails when a stack lowers its own target", () => expectViolation(policy, [fx.group(fx.capacityTags({ target: "300" }))], "below the required 600"));
  test("fails when a stack lowers its headroom", () => expectViolation(policy, [fx.group(fx.capacityTags({ headroom: "1.1" }))], "headroom 1.1"));
  test("fails without capacity tags", () => expectViolation(policy, [fx.group([])], "lacks capacity tags"));
  test("fails without capacities", () => expectViolation(policy, [mutate(g(), "capacities", undefined)], "sets no capacities"));
  test("fails when max < min", () => expectViolation(policy, [mutate(g(), "capacities.0.maxReplicas", 4)], "maxReplicas 4 below"));
  test("fails without an instance group", () => expectViolation(policy, [fx.template()], "no autoscaling InstanceGroup"));
  test("is undecided when replicas are unknown", () => expectUndecided(policy, [mutate(g(), "capacities.0.minReplicas", UNKNOWN)]));
});
