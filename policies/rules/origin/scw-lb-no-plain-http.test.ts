import { scwLbNoPlainHttp as policy } from "./scw-lb-no-plain-http";
import { fx, find, mutate, replace } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const stack = () => [fx.lb(), fx.backend(), fx.frontend(80), fx.frontend(443), ...fx.lbAcls()];
const redirect80 = () => find(stack(), "lb-acl-http-to-https");

describe("scw-lb-no-plain-http", () => {
  test("passes with a catch-all redirect on port 80", () => expectPass(policy, stack()));
  test("fails without ACLs on port 80", () => expectViolation(policy, stack().filter((r) => r.name !== "lb-acl-http-to-https"), "no ACL matching every request"));
  test("fails when the catch-all forwards", () =>
    expectViolation(policy, replace(stack(), mutate(redirect80(), "action", { type: "allow" })), "forwards every request in plain HTTP"));
  test("lets no path through in plain HTTP, the ACME challenge path included (no certificate is validated over HTTP-01)", () =>
    expectViolation(
      policy,
      [...stack(), fx.lbAcl("acme", 80, { index: 0, match: { httpFilter: "path_begin", httpFilterValues: ["/.well-known/acme-challenge/"] }, action: { type: "allow" } })],
      "before its catch-all",
    ));
  test("fails when an allow comes first", () =>
    expectViolation(policy, [...stack(), fx.lbAcl("early-allow", 80, { index: 0, match: { httpFilter: "path_begin", httpFilterValues: ["/"] }, action: { type: "allow" } })], "before its catch-all"));
  test("fails when the redirect is not to https", () =>
    expectViolation(policy, replace(stack(), mutate(redirect80(), "action.redirects.0.target", "http://elsewhere.example")), "not https"));
  test("fails when a backend skips certificate verification", () =>
    expectViolation(policy, replace(stack(), mutate(fx.backend(), "ignoreSslServerVerify", true)), "skips verifying the server certificate"));
  test("fails when plain HTTP leaves a load balancer without private network", () =>
    expectViolation(policy, replace(stack(), mutate(fx.lb(), "privateNetworks", undefined)), "crosses the public network in clear"));
  test("passes without private network when the backend bridges TLS", () =>
    expectPass(policy, replace(replace(stack(), mutate(fx.lb(), "privateNetworks", undefined)), mutate(fx.backend(), "sslBridging", true))));
});
