import { committedRaw, configProblems } from "../../tools/plan/testing";
import { parseConfig } from "./index";

const withOrigin = (origin: Record<string, unknown>, fleet: Record<string, unknown> = {}) => {
  const raw = committedRaw("prod");
  raw.origin = { ...(raw.origin as Record<string, unknown>), ...origin };
  raw.fleet = { ...(raw.fleet as Record<string, unknown>), ...fleet };
  return raw;
};

describe("renfort:origin.zones and renfort:fleet.bootSnapshotIds", () => {
  it("default to one load balancer in each of fr-par-1 and fr-par-2, without IPv6", () => {
    const raw = committedRaw("prod");
    delete (raw.origin as Record<string, unknown>).zones;
    const cfg = parseConfig(raw);
    expect(cfg.origin).toMatchObject({ zones: ["fr-par-1", "fr-par-2"], ipv6: false });
    expect(cfg.fleet.healthGateTimeoutSeconds).toBe(900);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    ["a zone outside the region", { zones: ["fr-par-1", "nl-ams-1"] }, {}, "renfort:origin.zones[1] must be a zone of renfort:scaleway.region (fr-par), got \"nl-ams-1\""],
    ["a zone without a boot snapshot", { zones: ["fr-par-1", "fr-par-3"] }, {}, "renfort:fleet.bootSnapshotIds.fr-par-3 must be set: each load balancer zone needs its Block Storage snapshot (scw block snapshot list zone=fr-par-3)"],
    ["three zones", { zones: ["fr-par-1", "fr-par-2", "fr-par-3"] }, {}, "renfort:origin.zones must list one or two zones"],
    ["a malformed zone", { zones: ["paris"] }, {}, "renfort:origin.zones[0] must be a Scaleway zone such as fr-par-1"],
    ["the old single snapshot key", {}, { bootSnapshotId: "b8e2d4c6-1a3f-4e5d-8b7c-9d0e1f2a3b4c" }, "renfort:fleet.bootSnapshotId is not a known key"],
    ["a gate timeout under a minute", {}, { healthGateTimeoutSeconds: 10 }, "renfort:fleet.healthGateTimeoutSeconds must be an integer >= 60"],
  ])("refuses %s, naming the key", (_label, origin, fleet, message) => {
    expect(configProblems(withOrigin(origin, fleet)).join("\n")).toContain(message);
  });
});
