import { scwLbAcmeFirst as policy } from "./scw-lb-acme-first";
import { APEX, fx, mutate, urnOf } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";
import type { GateResource } from "../../lib/run";

const leCert = (): GateResource => ({
  ...fx.lbCert(),
  name: "lb-cert-apex",
  urn: urnOf("scaleway:loadbalancers/certificate:Certificate", "lb-cert-apex"),
  props: { lbId: "fr-par-1/lb", letsencrypt: { commonName: APEX } },
  dependencies: [urnOf("scaleway:loadbalancers/loadBalancer:LoadBalancer", "lb")],
});
const acme = (index: number) =>
  fx.lbAcl("acme", 80, { index, match: { httpFilter: "path_begin", httpFilterValues: ["/.well-known/acme-challenge/"] }, action: { type: "allow" } });
/** The port-80 redirect of the fixtures, moved to `index`. */
const redirect = (index: number) => mutate(fx.lbAcls()[0], "index", index);
const stack = (...acls: GateResource[]) => [fx.lb(), fx.backend(), fx.frontend(80), fx.frontend(443), leCert(), ...acls, ...fx.lbAcls().slice(1)];

describe("scw-lb-acme-first", () => {
  test("passes with the pass-through first on port 80", () => expectPass(policy, stack(acme(0), redirect(1))));
  test("does not apply without a Let's Encrypt certificate", () => expectPass(policy, [fx.lb(), fx.frontend(80), ...fx.lbAcls()]));
  test("fails when a redirect comes before the pass-through", () =>
    expectViolation(policy, stack(redirect(0), acme(1)), "ACL lb-acl-http-to-https (redirect, index 0) runs before the ACME pass-through"));
  test("fails without a pass-through", () => expectViolation(policy, stack(redirect(0)), "has no ACL letting /.well-known/acme-challenge/ through"));
  test("fails without a port-80 frontend", () =>
    expectViolation(policy, [fx.lb(), fx.backend(), fx.frontend(443), leCert()], "has no port-80 frontend"));
});
