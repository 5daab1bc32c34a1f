/**
 * A release under mocks: the committed prod stack against the same stack with another image digest.
 * The plan diff must show new instance groups and templates (named by the new release) replacing the
 * old ones, with both image references, not an in-place template update.
 */
import { diffPlans } from "./diff";
import { renderDiffMarkdown } from "./diff-render";
import { fleetReleases } from "./diff-fleet";
import { planStack } from "./plan";
import { renderInventory } from "./render";
import { stackFileWith } from "./testing";
import type { PlanJson } from "./plan-json";

const NEW_DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

let base: PlanJson;
let head: PlanJson;
beforeAll(async () => {
  base = (await planStack({ stack: "prod" })).plan;
  head = (await planStack({ stack: "prod", configFile: stackFileWith("prod", /digest: sha256:[0-9a-f]{64}/, `digest: ${NEW_DIGEST}`) })).plan;
});

describe("a new image digest", () => {
  it("is a new release: new groups and templates in both zones, the old ones removed", () => {
    const [before] = fleetReleases(base);
    const [after] = fleetReleases(head);
    expect(before.release).not.toBe(after.release);
    expect(after.image).toBe(`rg.fr-par.scw.cloud/renfort-prod/renfort-app@${NEW_DIGEST}`);
    expect(after.zones).toEqual(["fr-par-1", "fr-par-2"]);
    const d = diffPlans(base, head);
    const names = (list: { type: string; name: string }[], type: string) => list.filter((r) => r.type === type).map((r) => r.name);
    for (const [type, prefix] of [
      ["scaleway:autoscaling/instanceGroup:InstanceGroup", "renfort-fleet-group"],
      ["scaleway:autoscaling/instanceTemplate:InstanceTemplate", "renfort-fleet-template"],
    ] as const) {
      expect(names(d.added, type)).toEqual([`${prefix}-primary-${after.release}`, `${prefix}-secondary-${after.release}`]);
      expect(names(d.removed, type)).toEqual([`${prefix}-primary-${before.release}`, `${prefix}-secondary-${before.release}`]);
    }
    expect(names(d.added, "pulumi-nodejs:dynamic/renfort:FleetHealthGate")).toEqual([`renfort-fleet-health-gate-${after.release}`]);
    // Nothing of the fleet is updated in place (the provider would not reach running instances).
    expect(d.changed.filter((c) => c.type.startsWith("scaleway:autoscaling/"))).toEqual([]);
    // The load balancers, their IPs and backends are untouched.
    expect(d.changed.filter((c) => c.type.startsWith("scaleway:loadbalancers/"))).toEqual([]);
    expect(d.fleet).toEqual({ before: [before], after: [after] });
  });

  it("reads as 'new fleet replaces old fleet' with both image references in the diff and the image in the plan", () => {
    const md = renderDiffMarkdown(diffPlans(base, head), { stack: "prod" });
    expect(md).toContain("new fleet replaces old fleet");
    expect(md).toContain("renfort-app@sha256:fe2db241df18491d13353c95e74653e5a299add23221a4ca7018ef12c990f160");
    expect(md).toContain(`renfort-app@${NEW_DIGEST}`);
    expect(renderInventory(head)).toContain(`Fleet: release ${fleetReleases(head)[0].release} running rg.fr-par.scw.cloud/renfort-prod/renfort-app@${NEW_DIGEST} in fr-par-1, fr-par-2`);
  });

  it("says nothing about the fleet when the release is the same", () => {
    expect(diffPlans(base, base).fleet).toBeUndefined();
    expect(renderDiffMarkdown(diffPlans(base, base), { stack: "prod" })).not.toContain("new fleet replaces old fleet");
  });
});
