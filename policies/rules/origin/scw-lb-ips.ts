import { stackPolicy } from "../../lib/policy";
import { T, type LbIpProps, type LbProps } from "../../lib/types";

export interface Config {
  count: number;
  requireProtect: boolean;
}

/**
 * The dedicated IPv4 addresses (one per load balancer, two load balancers by default) are what DNS (and
 * the apex owner) point at: losing one to a replace is an outage that no rollback fixes, so they are
 * separate `loadbalancers.Ip` resources, protected. How many IPs one load balancer may hold is
 * platform-limits/scw-lb-one-ipv4.
 */
export const scwLbIps = stackPolicy<Config>(
  {
    name: "scw-lb-ips",
    description: "The stack declares exactly the configured number of dedicated, protected IPv4 loadbalancers.Ip resources (two by default, one per load balancer).",
    severity: "high",
    remediationSteps: "Declare N IPv4 `scaleway.loadbalancers.Ip` resources with `protect: true` and pass each one's id in its LoadBalancer's `ipIds` (not `ipId` or `assignFlexibleIp`).",
    url: "https://www.scaleway.com/en/docs/load-balancer/how-to/create-manage-flex-ips/",
    configSchema: {
      properties: {
        count: { type: "integer", minimum: 1, default: 2, description: "Number of dedicated IPv4 addresses in the stack." },
        requireProtect: { type: "boolean", default: true, description: "Require `protect` on every IP." },
      },
    },
  },
  ({ ofType, config, report }) => {
    const lbs = ofType(T.lb);
    if (!lbs.length) return;
    const ips = ofType(T.lbIp);
    const ipv4 = ips.filter((i) => (i.props as Partial<LbIpProps>).isIpv6 !== true);
    if (ipv4.length !== config.count)
      report(`the stack declares ${ipv4.length} IPv4 loadbalancers.Ip resources, expected ${config.count}: declare exactly ${config.count} dedicated IPv4 addresses (scw-lb-ips.count).`, lbs[0].urn);
    if (config.requireProtect)
      for (const ip of ips.filter((i) => !i.opts.protect))
        report(`load balancer IP ${ip.name} is not protected: add { protect: true } so a replace cannot release the address DNS points at.`, ip.urn);
    for (const lb of lbs) {
      const p = lb.props as Partial<LbProps>;
      if ((p.ipIds ?? []).length === 0 && !p.ipId)
        report(`load balancer ${lb.name} attaches no dedicated IP through ipIds: list its IPv4 Ip resource's id in ipIds.`, lb.urn);
      if (p.assignFlexibleIp || p.assignFlexibleIpv6)
        report(`load balancer ${lb.name} asks for an automatically assigned flexible IP, which is lost on replace: use dedicated Ip resources in ipIds.`, lb.urn);
    }
  },
);
