/**
 * The fleet's releases as a plan shows them: which release (a hash of what the instances run, see
 * components/fleet/release.ts) each instance group belongs to and which image it runs, read from the
 * tags the fleet puts on its groups (`renfort-release=<id>`) and templates (`renfort-image=<reference>`).
 * A release is a new set of groups created before the old set is deleted, so between two plans a
 * release shows as "new fleet replaces old fleet". Pure: no I/O.
 */
import type { JsonValue, PlanJson, PlanJsonResource } from "./plan-json";

export const GROUP_TYPE = "scaleway:autoscaling/instanceGroup:InstanceGroup";
export const TEMPLATE_TYPE = "scaleway:autoscaling/instanceTemplate:InstanceTemplate";

export interface FleetRelease {
  release: string;
  /** The image reference the release's templates run (not secret), or "" when no template says. */
  image: string;
  /** Zones of its instance groups, sorted. */
  zones: string[];
}

function tagValue(r: PlanJsonResource, key: string): string | undefined {
  const tags = r.inputs.tags as JsonValue;
  if (!Array.isArray(tags)) return undefined;
  const hit = tags.find((t): t is string => typeof t === "string" && t.startsWith(`${key}=`));
  return hit?.slice(key.length + 1);
}

/** The releases a plan declares, sorted by id. */
export function fleetReleases(plan: Pick<PlanJson, "resources">): FleetRelease[] {
  const byId = new Map<string, FleetRelease>();
  for (const g of plan.resources.filter((r) => r.type === GROUP_TYPE)) {
    const release = tagValue(g, "renfort-release");
    if (!release) continue;
    const entry = byId.get(release) ?? { release, image: "", zones: [] };
    if (typeof g.inputs.zone === "string") entry.zones = [...entry.zones, g.inputs.zone].sort();
    byId.set(release, entry);
  }
  for (const t of plan.resources.filter((r) => r.type === TEMPLATE_TYPE)) {
    const entry = byId.get(tagValue(t, "renfort-release") ?? "");
    const image = tagValue(t, "renfort-image");
    if (entry && image && !entry.image) entry.image = image;
  }
  return [...byId.values()].sort((a, b) => (a.release < b.release ? -1 : 1));
}

/** A change of release between two plans, or undefined when the same release runs in both. */
export interface FleetReplacement {
  before: FleetRelease[];
  after: FleetRelease[];
}

export function fleetReplacement(base: Pick<PlanJson, "resources">, head: Pick<PlanJson, "resources">): FleetReplacement | undefined {
  const before = fleetReleases(base);
  const after = fleetReleases(head);
  const ids = (list: FleetRelease[]) => list.map((r) => r.release).join(",");
  return ids(before) === ids(after) ? undefined : { before, after };
}

/** One line per side, for the terminal and Markdown: the release id, its image and its zones. */
export function describeRelease(r: FleetRelease): string {
  return `release ${r.release} running ${r.image || "(image not tagged)"} in ${r.zones.join(", ") || "no zone"}`;
}
