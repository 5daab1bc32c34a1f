/** Capacity facts the fleet publishes on its autoscaling InstanceGroup tags (CONTRACT: "capacity tags"). */
import type { InstanceGroupProps } from "./types";

export const TAG = {
  target: "renfort-capacity-target",
  perInstance: "renfort-capacity-per-instance",
  headroom: "renfort-capacity-headroom",
  pool: "renfort-pool-size",
  /** The release a group belongs to: groups of one release (one per load balancer) serve together. */
  release: "renfort-release",
} as const;

export function tagMap(tags: readonly string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of tags ?? []) {
    const eq = t.indexOf("=");
    if (eq > 0) m.set(t.slice(0, eq), t.slice(eq + 1));
  }
  return m;
}

/** A positive number from a tag, or undefined when absent or malformed. */
export function tagNumber(tags: Map<string, string>, key: string): number | undefined {
  const v = tags.get(key);
  if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

export function replicasOf(p: Partial<InstanceGroupProps>): { min?: number; max?: number } {
  const c = (p.capacities ?? [])[0];
  return { min: c?.minReplicas, max: c?.maxReplicas };
}
