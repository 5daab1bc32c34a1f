import { scwLbOriginAuth as policy } from "./scw-lb-origin-auth";
import { HOST, ORIGIN_AUTH_VALUE, fx, find, mutate, replace } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";
import type { GateResource } from "../../lib/run";

/** Both halves: the load balancer's frontends and ACLs, the zone's proxied records and its transform rule. */
const stack = (): GateResource[] => [fx.lbIp(1), fx.lbIp(2), fx.frontend(80), fx.frontend(443), ...fx.lbAcls(), ...fx.appRecords(), fx.originAuthRuleset()];
const allow = () => find(stack(), "lb-acl-allow-cloudflare");
const rule = () => find(stack(), "edge-origin-auth");
const edit = (r: GateResource, path: string, value: unknown) => replace(stack(), mutate(r, path, value));

describe("scw-lb-origin-auth", () => {
  test("passes with the header set by the edge and required by the only allow ACL", () => expectPass(policy, stack()));

  test("passes during a rotation: the ACL accepts the new and the old value, the edge sends the new one", () =>
    expectPass(policy, replace(edit(allow(), "match.httpFilterValues", ["new-value", ORIGIN_AUTH_VALUE]), mutate(rule(), "rules.0.actionParameters.headers.x-renfort-origin-auth.value", "new-value"))));

  describe("load balancer half", () => {
    test("fails when the allow ACL matches the Host instead of the header (any Cloudflare customer can send our Host)", () =>
      expectViolation(policy, edit(allow(), "match.httpFilterOption", "host"), "allows requests without the origin-auth header x-renfort-origin-auth (it matches the Host"));
    test("fails when the allow ACL checks another header", () =>
      expectViolation(policy, edit(allow(), "match.httpFilterOption", "x-other"), "allows requests without the origin-auth header"));
    test("fails when the allow ACL has no HTTP filter (IP ranges only)", () =>
      expectViolation(policy, replace(stack(), mutate(mutate(allow(), "match.httpFilter", undefined), "match.httpFilterOption", undefined)), "allows requests without the origin-auth header"));
    test("fails when the header condition is inverted", () => expectViolation(policy, edit(allow(), "match.invert", true), "allows requests without the origin-auth header"));
    test("fails when the header match lists no value", () => expectViolation(policy, edit(allow(), "match.httpFilterValues", []), "allows requests without the origin-auth header"));
    test("fails on a second allow ACL for the main host without the header", () =>
      expectViolation(
        policy,
        [
          ...stack(),
          fx.lbAcl("allow-main-host", 443, { index: 2, match: { httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: [HOST] }, action: { type: "allow" } }),
        ],
        "ACL lb-acl-allow-main-host on frontend lb-fe-443 (port 443) allows requests without the origin-auth header",
      ));
    test("matches the header name case-insensitively", () => expectPass(policy, edit(allow(), "match.httpFilterOption", "X-Renfort-Origin-Auth")));
    test("does not look at the port-80 frontend (redirects only)", () =>
      expectPass(policy, [...stack(), fx.lbAcl("acme", 80, { index: 0, match: { httpFilter: "path_begin", httpFilterValues: ["/.well-known/acme-challenge/"] }, action: { type: "allow" } })]));
  });

  describe("edge half", () => {
    test("fails when the zone has no late-transform rule", () =>
      expectViolation(policy, stack().filter((r) => r.name !== "edge-origin-auth"), "proxies app.renfort.example.fr to the load balancers but no enabled rewrite rule"));
    test("fails when the rule is disabled", () => expectViolation(policy, edit(rule(), "rules.0.enabled", false), "no enabled rewrite rule"));
    test("fails when the rule is in another phase", () => expectViolation(policy, edit(rule(), "phase", "http_request_transform"), "no enabled rewrite rule"));
    test("fails when the rule sets another header", () =>
      expectViolation(policy, edit(rule(), "rules.0.actionParameters.headers", { "x-other": { operation: "set", value: ORIGIN_AUTH_VALUE } }), "no enabled rewrite rule"));
    test("fails when the rule removes the header instead of setting it", () =>
      expectViolation(policy, edit(rule(), "rules.0.actionParameters.headers.x-renfort-origin-auth", { operation: "remove" }), "no enabled rewrite rule"));
    test("fails when the rule matches another host", () =>
      expectViolation(policy, edit(rule(), "rules.0.expression", 'http.host eq "other.renfort.example.fr"'), "no rule setting x-renfort-origin-auth provably matches app.renfort.example.fr"));
    test("fails closed on an expression it cannot evaluate", () =>
      expectViolation(policy, edit(rule(), "rules.0.expression", `not http.host eq "${HOST}"`), "provably matches"));
    test.each([["true"], [`http.host in {"www.x.fr" "${HOST}"}`]])("accepts the expression %s", (expression) => expectPass(policy, edit(rule(), "rules.0.expression", expression)));
    test("fails when the header is set from an expression (not a secret)", () =>
      expectViolation(policy, edit(rule(), "rules.0.actionParameters.headers.x-renfort-origin-auth", { operation: "set", expression: "ip.src" }), "from an expression or to nothing"));
    test("fails when the edge sends a value no ACL accepts, without printing either value", () =>
      expectViolation(policy, edit(rule(), "rules.0.actionParameters.headers.x-renfort-origin-auth.value", "stale-value"), "a value no load balancer ACL accepts"));
    test("ignores zones whose proxied records do not point at the load balancers", () =>
      expectPass(policy, [...stack().filter((r) => r.name !== "edge-origin-auth" && !r.name.startsWith("dns-")), fx.dns("blog.renfort.example.fr", "A", "51.159.99.1", { proxied: true })]));
  });
});
