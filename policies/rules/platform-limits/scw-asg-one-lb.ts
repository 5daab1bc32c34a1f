import { stackPolicy } from "../../lib/policy";
import { T, type InstanceGroupProps, type LbProps } from "../../lib/types";
import { isUnknown } from "../../lib/unknown";

export interface Config {
  requireLoadBalancer: boolean;
}

/**
 * A Scaleway autoscaling group links to exactly one load balancer (the API's `loadbalancer` is one
 * object), and the provider sends the block only when there is exactly one: two entries register the
 * group in no load balancer at all, silently. The provider reads the load balancer back in the group's
 * own zone. Verified: terraform-provider-scaleway v2.79.0 internal/services/autoscaling/types.go
 * (`expandInstanceLoadBalancer`: `len(raw) != 1` returns nil; `flattenInstanceLoadBalancer` writes
 * `zonal.NewIDString(<group zone>, lb.ID)`), scaleway-sdk-go api/autoscaling/v1alpha1
 * (`CreateInstanceGroupRequest.Loadbalancer *Loadbalancer`).
 */
export const scwAsgOneLb = stackPolicy<Config>(
  {
    name: "scw-asg-one-lb",
    description: "Each autoscaling instance group registers in exactly one load balancer, in the group's own zone, the only form the Scaleway provider sends.",
    severity: "high",
    remediationSteps: "Declare one instance group per load balancer, in that load balancer's zone, each with a single `loadBalancers` entry (id, backendIds, privateNetworkId).",
    url: "https://github.com/scaleway/terraform-provider-scaleway/blob/v2.79.0/internal/services/autoscaling/types.go",
    configSchema: {
      properties: {
        requireLoadBalancer: { type: "boolean", default: true, description: "Report a group that registers in no load balancer." },
      },
    },
  },
  ({ ofType, config, report }) => {
    for (const g of ofType(T.instanceGroup)) {
      const p = g.props as Partial<InstanceGroupProps>;
      const lbs = Array.isArray(p.loadBalancers) ? p.loadBalancers : [];
      if (lbs.length > 1) {
        report(`instance group ${g.name} lists ${lbs.length} load balancers; the provider sends the block only when there is exactly one, so the group would register in none: declare one group per load balancer.`, g.urn);
        continue;
      }
      if (lbs.length === 0) {
        if (config.requireLoadBalancer) report(`instance group ${g.name} registers in no load balancer: its instances would receive no traffic.`, g.urn);
        continue;
      }
      const lb = g.dependencies.find((d) => (T.lb as readonly string[]).includes(d.type));
      const lbZone = lb ? (lb.props as Partial<LbProps>).zone : typeof lbs[0].id === "string" && !isUnknown(lbs[0].id) ? /^([a-z]{2}-[a-z]{3}-\d)\//.exec(lbs[0].id)?.[1] : undefined;
      if (lbZone && p.zone && !isUnknown(lbZone) && !isUnknown(p.zone) && lbZone !== p.zone)
        report(`instance group ${g.name} in ${p.zone} registers in a load balancer in ${lbZone}; the provider looks the load balancer up in the group's zone: put the group in ${lbZone}.`, g.urn);
    }
  },
);
