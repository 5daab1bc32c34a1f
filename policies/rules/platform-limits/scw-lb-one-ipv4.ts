import { stackPolicy } from "../../lib/policy";
import { T, type LbIpProps, type LbProps } from "../../lib/types";
import { isUnknown } from "../../lib/unknown";

export interface Config {
  maxIpv4: number;
  maxIpv6: number;
}

/**
 * "A public Load Balancer must have an IPv4 address, and can optionally have an IPv6 address"; more than
 * one address of a type cannot be assigned (Scaleway Load Balancer concepts and FAQ). The API refuses
 * two IPv4 ids in `ip_ids`, and the provider's update only ever attaches an added IPv6
 * (terraform-provider-scaleway v2.79.0 internal/services/lb/lb.go, ResourceLbUpdate).
 */
export const scwLbOneIpv4 = stackPolicy<Config>(
  {
    name: "scw-lb-one-ipv4",
    description: "Each Scaleway load balancer attaches at most one IPv4 and at most one IPv6 flexible IP, the most the API accepts.",
    severity: "high",
    remediationSteps:
      "Give each load balancer one IPv4 `loadbalancers.Ip` (and optionally one with `isIpv6: true`) in `ipIds`; for two IPv4 addresses, declare two load balancers with identical frontends, ACLs, certificates and backends.",
    url: "https://www.scaleway.com/en/docs/load-balancer/concepts/#flexible-ip-address",
    configSchema: {
      properties: {
        maxIpv4: { type: "integer", minimum: 1, default: 1, description: "IPv4 addresses one load balancer may hold (Scaleway: 1)." },
        maxIpv6: { type: "integer", minimum: 0, default: 1, description: "IPv6 addresses one load balancer may hold (Scaleway: 1)." },
      },
    },
  },
  ({ ofType, config, report }) => {
    for (const lb of ofType(T.lb)) {
      const p = lb.props as Partial<LbProps>;
      const ids = Array.isArray(p.ipIds) ? p.ipIds : [];
      const ips = lb.dependencies.filter((d) => (T.lbIp as readonly string[]).includes(d.type));
      const v6 = ips.filter((d) => (d.props as Partial<LbIpProps>).isIpv6 === true);
      const v4 = ips.filter((d) => (d.props as Partial<LbIpProps>).isIpv6 !== true);
      if (v4.length > config.maxIpv4)
        report(`load balancer ${lb.name} attaches ${v4.length} IPv4 addresses (${v4.map((d) => d.name).join(", ")}); Scaleway accepts ${config.maxIpv4}: declare one load balancer per IPv4 address.`, lb.urn);
      if (v6.length > config.maxIpv6)
        report(`load balancer ${lb.name} attaches ${v6.length} IPv6 addresses (${v6.map((d) => d.name).join(", ")}); Scaleway accepts ${config.maxIpv6}: keep one.`, lb.urn);
      const known = ids.filter((id) => !isUnknown(id));
      if (ips.length === 0 && known.length > config.maxIpv4 + config.maxIpv6)
        report(`load balancer ${lb.name} lists ${known.length} ids in ipIds; Scaleway accepts one IPv4 and one IPv6: declare one load balancer per IPv4 address.`, lb.urn);
    }
  },
);
