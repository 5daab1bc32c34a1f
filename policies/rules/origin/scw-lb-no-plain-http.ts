import { stackPolicy } from "../../lib/policy";
import { aclsOf, frontendsOf, matchesEverything, portOf } from "../../lib/lb";
import { T, type LbBackendProps, type LbProps } from "../../lib/types";

export interface Config {
  plainPorts: number[];
}

/**
 * A Scaleway frontend forwards to its backend when no ACL matches, so a port-80 frontend serves plain
 * HTTP unless an ACL that matches every request redirects (or denies) before anything allows. No path is
 * excepted: no certificate is validated over plain HTTP (the apex's is DNS-01, platform-limits/scw-lb-http01-one-lb).
 */
export const scwLbNoPlainHttp = stackPolicy<Config>(
  {
    name: "scw-lb-no-plain-http",
    description:
      "Load balancer frontends on plain-HTTP ports only redirect to HTTPS (or deny), and backends never send plain HTTP over the public network or skip verifying the server certificate.",
    severity: "high",
    remediationSteps:
      'Give the port-80 frontend an ACL at index 0 matching ipSubnets ["0.0.0.0/0", "::/0"] with action { type: "redirect", redirects: [{ type: "scheme", target: "https", code: 301 }] }; attach the load balancer to the private network (or set sslBridging) and leave ignoreSslServerVerify false.',
    url: "https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/",
    configSchema: {
      properties: {
        plainPorts: { type: "array", items: { type: "integer" }, default: [80], description: "Frontend ports that carry plain HTTP." },
      },
    },
  },
  ({ resources, ofType, config, report }) => {
    for (const be of ofType(T.lbBackend)) {
      const p = be.props as Partial<LbBackendProps>;
      if (p.ignoreSslServerVerify === true)
        report(`backend ${be.name} skips verifying the server certificate (ignoreSslServerVerify): set it to false.`, be.urn);
      const lb = be.dependencies.find((d) => (T.lb as readonly string[]).includes(d.type));
      const onPrivateNetwork = lb ? ((lb.props as Partial<LbProps>).privateNetworks ?? []).length > 0 : true;
      if (p.sslBridging !== true && !onPrivateNetwork)
        report(`backend ${be.name} forwards plain HTTP and its load balancer is not on a private network, so traffic crosses the public network in clear: attach the load balancer to the private network or set sslBridging.`, be.urn);
    }
    for (const fe of frontendsOf(resources)) {
      if (!config.plainPorts.includes(portOf(fe))) continue;
      const acls = aclsOf(fe, resources);
      const allow = acls.find((a) => a.action.type === "allow");
      const catchAll = acls.find((a) => matchesEverything(a.match));
      if (!catchAll) {
        report(`frontend ${fe.name} (port ${portOf(fe)}) has no ACL matching every request, so unmatched plain-HTTP requests reach the backend: add a catch-all redirect to https.`, fe.urn);
        continue;
      }
      if (allow && allow.index <= catchAll.index)
        report(`frontend ${fe.name} (port ${portOf(fe)}) allows requests (${allow.label}) before its catch-all ACL: plain HTTP reaches the backend; remove the allow.`, allow.urn);
      if (catchAll.action.type === "allow")
        report(`frontend ${fe.name} (port ${portOf(fe)}) forwards every request in plain HTTP (${catchAll.label}): make it a redirect to https.`, catchAll.urn);
      else if (catchAll.action.type === "redirect" && !(catchAll.action.redirects ?? []).some((r) => (r.target ?? "").startsWith("https")))
        report(`frontend ${fe.name} (port ${portOf(fe)}) redirects (${catchAll.label}) to a target that is not https: use { type: "scheme", target: "https" }.`, catchAll.urn);
    }
  },
);
