import { stackPolicy } from "../../lib/policy";
import { TAG, replicasOf, tagMap, tagNumber } from "../../lib/capacity";
import { T, type InstanceGroupProps } from "../../lib/types";

export interface Config {
  targetSignupsPerSecond: number;
  minHeadroom: number;
  requireFleet: boolean;
}

/**
 * minReplicas x measured signups/s per instance must hold the target with headroom before autoscaling
 * reacts (launch traffic arrives in minutes). The stack config pins the target and headroom, so a
 * stack cannot pass by lowering its own figures. Groups tagged with the same release
 * (`renfort-release=<id>`: one group per load balancer) serve together, so their minimums add up.
 */
export const fleetCapacity = stackPolicy<Config>(
  {
    name: "fleet-capacity",
    description: "The fleet's minimum size times the measured signups per second per instance covers the target signups per second with the configured headroom.",
    severity: "critical",
    remediationSteps:
      "Raise renfort:fleet.minInstances (and maxInstances), or measure a higher per-instance figure with `npm run loadtest` and record it with `npm run capacity`.",
    url: "https://www.scaleway.com/en/docs/autoscaling/concepts/",
    configSchema: {
      properties: {
        targetSignupsPerSecond: { type: "number", exclusiveMinimum: 0, default: 600, description: "Signups per second the platform must hold." },
        minHeadroom: { type: "number", minimum: 1, default: 1.5, description: "Lowest safety factor accepted over the target." },
        requireFleet: { type: "boolean", default: true, description: "Report a stack that declares no autoscaling instance group." },
      },
    },
  },
  ({ ofType, resources, config, report }) => {
    const groups = ofType(T.instanceGroup);
    if (!groups.length) {
      if (config.requireFleet && resources.length)
        report("the stack declares no autoscaling InstanceGroup carrying the capacity tags, so its capacity cannot be checked: declare the fleet as an autoscaling instance group.");
      return;
    }
    const releaseOf = (g: (typeof groups)[number]) => tagMap((g.props as Partial<InstanceGroupProps>).tags).get(TAG.release) ?? g.urn;
    const seen = new Set<string>();
    for (const g of groups) {
      const p = g.props as Partial<InstanceGroupProps>;
      const release = releaseOf(g);
      const tags = tagMap(p.tags);
      const missing = [TAG.target, TAG.perInstance, TAG.headroom].filter((k) => tagNumber(tags, k) === undefined);
      if (missing.length) {
        report(`instance group ${g.name} lacks capacity tags ${missing.join(", ")} (key=value, positive numbers): the fleet component must publish them.`, g.urn);
        continue;
      }
      const tagTarget = tagNumber(tags, TAG.target)!;
      const perInstance = tagNumber(tags, TAG.perInstance)!;
      const tagHeadroom = tagNumber(tags, TAG.headroom)!;
      if (tagTarget < config.targetSignupsPerSecond)
        report(`instance group ${g.name} is sized for ${tagTarget} signups/s, below the required ${config.targetSignupsPerSecond}: size it for the target (renfort:capacity.targetSignupsPerSecond).`, g.urn);
      if (tagHeadroom < config.minHeadroom)
        report(`instance group ${g.name} uses headroom ${tagHeadroom}, below the required ${config.minHeadroom}: raise renfort:capacity.headroom.`, g.urn);
      const { min: ownMin, max } = replicasOf(p);
      if (ownMin === undefined || max === undefined) {
        report(`instance group ${g.name} sets no capacities (minReplicas/maxReplicas): set both.`, g.urn);
        continue;
      }
      if (max < ownMin) report(`instance group ${g.name} has maxReplicas ${max} below minReplicas ${ownMin}: raise maxReplicas.`, g.urn);
      if (seen.has(release)) continue;
      seen.add(release);
      const together = groups.filter((x) => releaseOf(x) === release);
      const mins = together.map((x) => replicasOf(x.props as Partial<InstanceGroupProps>).min);
      if (mins.some((m) => m === undefined)) continue;
      const min = (mins as number[]).reduce((a, b) => a + b, 0);
      const what = together.length > 1 ? `instance groups ${together.map((x) => x.name).join(" + ")} (release ${release}) start` : `instance group ${g.name} starts`;
      const target = Math.max(tagTarget, config.targetSignupsPerSecond);
      const headroom = Math.max(tagHeadroom, config.minHeadroom);
      const needed = Math.ceil((target * headroom) / perInstance);
      if (min * perInstance < target * headroom)
        report(
          `${what} with ${min} instances x ${perInstance} signups/s = ${min * perInstance}/s, below ${target} x ${headroom} = ${target * headroom}/s: set minReplicas >= ${needed} (renfort:fleet.minInstances).`,
          g.urn,
        );
    }
  },
);
