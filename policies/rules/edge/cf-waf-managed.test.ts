import { cfWafManaged as policy } from "./cf-waf-managed";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("cf-waf-managed", () => {
  test("passes with Cloudflare Managed and OWASP executed", () => expectPass(policy, [fx.wafManaged(), fx.wafCustom()]));
  test("fails without a managed ruleset", () => expectViolation(policy, [fx.wafCustom()], "no http_request_firewall_managed"));
  test("fails when a required ruleset is not executed", () =>
    expectViolation(policy, [mutate(fx.wafManaged(), "rules.1.actionParameters.id", "77454fe2d30c4220b5701f6fdfb893ba")], "4814384a9e5d4991b9815dcfc25d2f1f is not executed"));
  test("fails when an execute rule is disabled", () => expectViolation(policy, [mutate(fx.wafManaged(), "rules.0.enabled", false)], "is disabled"));
  test("fails when overrides disable the ruleset", () =>
    expectViolation(policy, [mutate(fx.wafManaged(), "rules.0.actionParameters.overrides", { enabled: false })], "overrides.enabled: false"));
  test("fails with a skip-everything rule", () =>
    expectViolation(policy, [fx.wafManaged(), mutate(fx.wafCustom(), "rules.1", { ref: "skip_all", expression: "true", action: "skip", actionParameters: { ruleset: "current" } })], "skips for every request"));
});
