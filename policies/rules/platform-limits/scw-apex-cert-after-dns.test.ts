import { scwApexCertAfterDns as policy } from "./scw-apex-cert-after-dns";
import { APEX, fx, mutate, urnOf } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";
import type { GateResource } from "../../lib/run";

const CHECK = "pulumi-nodejs:dynamic/renfort:ApexResolves";
const check = (apex = APEX): GateResource => ({
  urn: urnOf(CHECK, `apex-resolves-${apex}`),
  type: CHECK,
  name: `apex-resolves-${apex}`,
  props: { apex, expectedIps: ["51.159.10.1", "51.159.20.2"], resolvers: ["1.1.1.1"] },
  protect: false,
  dependencies: [],
});
const leCert = (names: string[], deps: GateResource[]): GateResource => ({
  ...mutate(fx.lbCert(), "customCertificate", undefined),
  name: "lb-cert-apex",
  urn: urnOf("scaleway:loadbalancers/certificate:Certificate", "lb-cert-apex"),
  props: { lbId: "fr-par-1/lb", letsencrypt: { commonName: names[0], subjectAlternativeNames: names.slice(1) } },
  dependencies: [urnOf("scaleway:loadbalancers/loadBalancer:LoadBalancer", "lb"), ...deps.map((d) => d.urn)],
});

describe("scw-apex-cert-after-dns", () => {
  test("passes when the certificate waits for the apex to resolve", () => expectPass(policy, [fx.lb(), check(), leCert([APEX], [check()])]));
  test("ignores custom certificates", () => expectPass(policy, [fx.lb(), fx.lbCert()]));
  test("fails when the certificate only waits for DNS records to be declared", () =>
    expectViolation(policy, [fx.lb(), ...fx.apexRecords(), leCert([APEX], fx.apexRecords())], `for ${APEX} is requested without waiting`));
  test("fails for a name the check does not cover", () =>
    expectViolation(policy, [fx.lb(), check(), leCert([APEX, `www.${APEX}`], [check()])], `for www.${APEX} is requested without waiting`));
});
