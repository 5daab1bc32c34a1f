import { resourcePolicy } from "../../lib/policy";
import { T, as, type InstanceTemplateProps, type ServerProps } from "../../lib/types";

export interface Config {
  allowServers: string[];
}

/** App instances are reached only through the load balancer on the private network. */
export const fleetNoPublicIp = resourcePolicy<Config>(
  {
    name: "fleet-no-public-ip",
    description: "Fleet instances (autoscaling templates and servers) get no public IP address; they are reached through the load balancer on the private network.",
    severity: "high",
    remediationSteps: "Set publicIpsV4Count and publicIpsV6Count to 0 on the InstanceTemplate; on servers remove ipId/ipIds and enableDynamicIp; use the Public Gateway for egress.",
    url: "https://www.scaleway.com/en/docs/instances/how-to/use-private-networks/",
    configSchema: {
      properties: {
        allowServers: { type: "array", items: { type: "string" }, default: [], description: "Resource names of servers allowed a public IP (e.g. a bastion)." },
      },
    },
  },
  [...T.instanceTemplate, ...T.server],
  ({ type, name, props, config, report }) => {
    if ((T.instanceTemplate as readonly string[]).includes(type)) {
      const p = as<InstanceTemplateProps>(props);
      if ((p.publicIpsV4Count ?? 0) > 0) report(`the instance template gives each instance ${p.publicIpsV4Count} public IPv4: set publicIpsV4Count to 0.`);
      if ((p.publicIpsV6Count ?? 0) > 0) report(`the instance template gives each instance ${p.publicIpsV6Count} public IPv6: set publicIpsV6Count to 0.`);
      return;
    }
    if (config.allowServers.includes(name)) return;
    const s = as<ServerProps>(props);
    if (s.ipId || (s.ipIds ?? []).length) report(`server ${name} has a public IP attached: remove ipId/ipIds and reach it through the private network.`);
    if (s.enableDynamicIp === true) report(`server ${name} asks for a dynamic public IP: remove enableDynamicIp.`);
  },
);
