import { scwLbHttp01OneLb as policy } from "./scw-lb-http01-one-lb";
import { APEX, fx, urnOf } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";
import type { GateResource } from "../../lib/run";

const LB = "scaleway:loadbalancers/loadBalancer:LoadBalancer";
const IP = "scaleway:loadbalancers/ip:Ip";
const CERT = "scaleway:loadbalancers/certificate:Certificate";
const RECORD = "scaleway:domain/record:Record";

const res = (type: string, name: string, props: Record<string, unknown>, dependencies: string[] = []): GateResource => ({ urn: urnOf(type, name), type, name, props, protect: false, dependencies });
/** Two load balancers, one IPv4 each, as components/origin declares them. */
const lbs = () => [fx.lbIp(1), fx.lbIp(2), res(LB, "lb-a", { zone: "fr-par-1" }, [urnOf(IP, "lb-ip-1")]), res(LB, "lb-b", { zone: "fr-par-2" }, [urnOf(IP, "lb-ip-2")])];
const letsEncrypt = (lb: string) => res(CERT, `cert-apex-${lb}`, { lbId: `fr-par-1/${lb}`, letsencrypt: { commonName: APEX } }, [urnOf(LB, lb)]);
const custom = (lb: string) => res(CERT, `cert-apex-${lb}`, { lbId: `fr-par-1/${lb}`, customCertificate: { certificateChain: "[secret]" } }, [urnOf(LB, lb), urnOf("acme:index/certificate:Certificate", "apex")]);
/** The apex's A record in Scaleway DNS (name "" is the zone's apex), pointing at a load balancer's IP. */
const apexA = (n: number) => res(RECORD, `apex-a-${n}`, { dnsZone: APEX, name: "", type: "A", data: `51.159.10.${n}` }, [urnOf(IP, `lb-ip-${n}`)]);

describe("scw-lb-http01-one-lb", () => {
  test("passes for one DNS-01 certificate uploaded to both load balancers, the apex pointing at both", () =>
    expectPass(policy, [...lbs(), custom("lb-a"), custom("lb-b"), apexA(1), apexA(2)]));
  test("passes for an HTTP-01 certificate on the one load balancer the name resolves to", () => expectPass(policy, [...lbs(), letsEncrypt("lb-a"), apexA(1)]));
  test("fails when two load balancers each order the name over HTTP-01", () =>
    expectViolation(policy, [...lbs(), letsEncrypt("lb-a"), letsEncrypt("lb-b")], `validates ${APEX} over HTTP-01, but ${APEX} involves 2 load balancers (lb-a, lb-b)`));
  test("fails when one load balancer orders the name but its Scaleway DNS records point at two", () =>
    expectViolation(policy, [...lbs(), letsEncrypt("lb-a"), apexA(1), apexA(2)], "RFC 8555 §8.3"));
  test("fails when DNS-only Cloudflare records point the name at two load balancers", () => {
    const cf = fx.apexRecords().map((r, i) => ({ ...r, dependencies: [urnOf(IP, `lb-ip-${i + 1}`)] }));
    return expectViolation(policy, [...lbs(), letsEncrypt("lb-b"), ...cf], "involves 2 load balancers");
  });
  test("ignores proxied records (Cloudflare answers for them, the load balancers are its origins)", () => {
    const proxied = fx.appRecords().map((r) => ({ ...r, props: { ...r.props, name: APEX } }));
    return expectPass(policy, [...lbs(), letsEncrypt("lb-a"), ...proxied]);
  });
});
