/**
 * The launch program's origin as it was (two IPv4 on one load balancer, each load balancer ordering the apex
 * over HTTP-01 while the apex resolves to both, one instance group for two load balancers) evaluated under the mocks and judged by the policy pack with the prod config: each provider
 * limit it breaks is refused, naming the rule and its documentation. The committed stacks pass (plan tests).
 */
import * as scaleway from "@pulumiverse/scaleway";
import prodConfig from "../../policies/config/prod.json";
import { runGate, type GateResource, type PolicyPackConfig } from "../../policies/gate";
import { policies } from "../../policies/rules";
import { evaluateProgram } from "../../tools/plan/harness";
import { unwrapSecrets } from "../../tools/plan/values";

function launchOrigin() {
  const ips = ["a", "b"].map((k) => new scaleway.loadbalancers.Ip(`ip-${k}`, { zone: "fr-par-1" }, { protect: true }));
  const lb = new scaleway.loadbalancers.LoadBalancer("lb", { zone: "fr-par-1", type: "LB-GP-M", ipIds: ips.map((i) => i.id), privateNetworks: [{ privateNetworkId: "fr-par/pn" }] });
  const records = ips.map((ip, i) => new scaleway.domain.Record(`apex-a-${i}`, { dnsZone: "renfort.gouv.fr", name: "", type: "A", data: ip.ipAddress, ttl: 3600 }));
  const cert = new scaleway.loadbalancers.Certificate("cert-apex", { lbId: lb.id, letsencrypt: { commonName: "renfort.gouv.fr" } }, { dependsOn: records });
  const backend = new scaleway.loadbalancers.Backend("backend", { lbId: lb.id, forwardProtocol: "http", forwardPort: 8080 });
  const http = new scaleway.loadbalancers.Frontend("http", { lbId: lb.id, backendId: backend.id, inboundPort: 80, externalAcls: true });
  new scaleway.loadbalancers.Frontend("https", { lbId: lb.id, backendId: backend.id, inboundPort: 443, certificateIds: [cert.id], externalAcls: true });
  new scaleway.loadbalancers.Acl("acl-http-to-https", {
    frontendId: http.id,
    index: 0,
    action: { type: "redirect", redirects: [{ type: "scheme", target: "https", code: 301 }] },
    match: { ipSubnets: ["0.0.0.0/0", "::/0"] },
  });
  const lb2 = new scaleway.loadbalancers.LoadBalancer("lb-2", { zone: "fr-par-2", type: "LB-GP-M", privateNetworks: [{ privateNetworkId: "fr-par/pn" }] });
  new scaleway.loadbalancers.Certificate("cert-apex-2", { lbId: lb2.id, letsencrypt: { commonName: "renfort.gouv.fr" } }, { dependsOn: records });
  const template = new scaleway.autoscaling.InstanceTemplate("template", { zone: "fr-par-1", commercialType: "PRO2-S", tags: ["renfort-release=r2"] });
  new scaleway.autoscaling.InstanceGroup("group", {
    zone: "fr-par-1",
    templateId: template.id,
    loadBalancers: [lb, lb2].map((l) => ({ id: l.id, backendIds: [backend.id], privateNetworkId: "fr-par/pn" })),
    tags: ["renfort-release=r1"],
  });
  return {};
}

it("refuses each provider limit the launch program broke, naming the rule and its documentation", async () => {
  const run = await evaluateProgram({ stack: "prod", program: launchOrigin });
  const resources: GateResource[] = run.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: unwrapSecrets(r.inputs) as Record<string, unknown>,
    protect: r.protect,
    dependencies: r.dependsOn,
  }));
  const violations = await runGate(resources, prodConfig as PolicyPackConfig, { tier: "prod" });
  const hit = (policy: string, name: string) => violations.find((v) => v.policy === policy && v.urn?.endsWith(`::${name}`) && v.level === "mandatory" && !v.undecided);
  for (const [policy, name, fragment] of [
    ["scw-lb-one-ipv4", "lb", "attaches 2 IPv4 addresses"],
    ["scw-lb-http01-one-lb", "cert-apex", "involves 2 load balancers (lb, lb-2)"],
    ["scw-asg-one-lb", "group", "lists 2 load balancers"],
    ["scw-asg-release-replace", "group", "runs template template of release r2"],
  ] as const) {
    expect([policy, hit(policy, name)?.message]).toEqual([policy, expect.stringContaining(fragment)]);
    expect(policies.find((p) => p.name === policy)?.url).toMatch(/^https:\/\/(www\.scaleway\.com|letsencrypt\.org|github\.com\/scaleway)\//);
  }
});
