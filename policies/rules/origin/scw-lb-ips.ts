import { stackPolicy } from "../../lib/policy";
import { T, type LbProps } from "../../lib/types";

export interface Config {
  count: number;
  requireProtect: boolean;
}

/**
 * The two dedicated IPs are what DNS (and the apex owner) point at: losing one to a replace is an outage
 * that no rollback fixes, so they are separate `loadbalancers.Ip` resources, protected.
 */
export const scwLbIps = stackPolicy<Config>(
  {
    name: "scw-lb-ips",
    description: "The load balancer uses exactly the configured number of dedicated, protected loadbalancers.Ip resources (two by default).",
    severity: "high",
    remediationSteps: "Declare N `scaleway.loadbalancers.Ip` resources with `protect: true` and pass their ids in the LoadBalancer's `ipIds` (not `ipId` or `assignFlexibleIp`).",
    url: "https://www.scaleway.com/en/docs/load-balancer/how-to/create-manage-flex-ips/",
    configSchema: {
      properties: {
        count: { type: "integer", minimum: 1, default: 2, description: "Number of dedicated IPs." },
        requireProtect: { type: "boolean", default: true, description: "Require `protect` on every IP." },
      },
    },
  },
  ({ ofType, config, report }) => {
    const lbs = ofType(T.lb);
    if (!lbs.length) return;
    const ips = ofType(T.lbIp);
    if (ips.length !== config.count)
      report(`the stack declares ${ips.length} loadbalancers.Ip resources, expected ${config.count}: declare exactly ${config.count} dedicated IPs (scw-lb-ips.count).`, lbs[0].urn);
    if (config.requireProtect)
      for (const ip of ips.filter((i) => !i.opts.protect))
        report(`load balancer IP ${ip.name} is not protected: add { protect: true } so a replace cannot release the address DNS points at.`, ip.urn);
    for (const lb of lbs) {
      const p = lb.props as Partial<LbProps>;
      const ids = p.ipIds ?? [];
      if (ids.length !== config.count)
        report(`load balancer ${lb.name} attaches ${ids.length} IPs through ipIds, expected ${config.count}: list every dedicated IP id in ipIds.`, lb.urn);
      if (p.assignFlexibleIp || p.assignFlexibleIpv6)
        report(`load balancer ${lb.name} asks for an automatically assigned flexible IP, which is lost on replace: use dedicated Ip resources in ipIds.`, lb.urn);
    }
  },
);
