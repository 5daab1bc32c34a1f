import type { PolicyResource } from "@pulumi/policy";
import { stackPolicy } from "../../lib/policy";
import { tagMap } from "../../lib/capacity";
import { T, type InstanceGroupProps, type InstanceTemplateProps } from "../../lib/types";

export interface Config {
  releaseTag: string;
}

/**
 * In the Scaleway provider a change of the instance template (cloud-init included) is an in-place
 * update, and the group's `template_id` is neither sent on update nor ForceNew: running instances never
 * see a new image or env. So what a group runs must change only with a new group: the fleet names each
 * group and its own template by release (a hash of what they run) and tags both `renfort-release=<id>`.
 * This checks that pairing. Verified: terraform-provider-scaleway v2.79.0
 * internal/services/autoscaling/instance_group.go (ResourceInstanceGroupUpdate sends name, tags,
 * capacity, load_balancer only) and instance_template.go (every field updated in place, no ForceNew).
 */
export const scwAsgReleaseReplace = stackPolicy<Config>(
  {
    name: "scw-asg-release-replace",
    description: "Each autoscaling instance group runs its own template of the same release, so a change of what instances run is a new group rather than a template update the running instances never see.",
    severity: "high",
    remediationSteps:
      "Declare one template per instance group, name both from the release (components/fleet/release.ts) and tag both renfort-release=<id>; never point two groups at one template or a group at another release's template.",
    url: "https://github.com/scaleway/terraform-provider-scaleway/blob/v2.79.0/internal/services/autoscaling/instance_group.go",
    configSchema: {
      properties: {
        releaseTag: { type: "string", default: "renfort-release", description: "Tag key naming the release of a group and of its template." },
      },
    },
  },
  ({ ofType, config, report }) => {
    const isTemplate = (d: PolicyResource) => (T.instanceTemplate as readonly string[]).includes(d.type);
    const users = new Map<string, string[]>();
    for (const g of ofType(T.instanceGroup)) {
      const templates = g.dependencies.filter(isTemplate);
      if (templates.length !== 1) {
        report(`instance group ${g.name} depends on ${templates.length} instance templates, expected its own one: declare one template per group.`, g.urn);
        continue;
      }
      const [t] = templates;
      users.set(t.urn, [...(users.get(t.urn) ?? []), g.name]);
      const groupRelease = tagMap((g.props as Partial<InstanceGroupProps>).tags).get(config.releaseTag);
      const templateRelease = tagMap((t.props as Partial<InstanceTemplateProps>).tags).get(config.releaseTag);
      if (!groupRelease || !templateRelease)
        report(
          `instance group ${g.name} or its template ${t.name} has no ${config.releaseTag} tag, so nothing ties a template change to a new group (the provider updates the template in place and running instances never see it): name and tag both by release.`,
          g.urn,
        );
      else if (groupRelease !== templateRelease)
        report(`instance group ${g.name} (release ${groupRelease}) runs template ${t.name} of release ${templateRelease}: a release is a new group with its own template.`, g.urn);
    }
    for (const [urn, groups] of users)
      if (groups.length > 1) report(`instance template ${urn.split("::").pop()} is shared by ${groups.join(", ")}: a change to it would reach none of their running instances; give each group its own template.`, urn);
  },
);
