import { cfAlwaysHttps as policy } from "./cf-always-https";
import { fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const without = () => fx.edgeSettings().filter((r) => r.props.settingId !== "always_use_https");
const redirect = () =>
  fx.ruleset("http_request_dynamic_redirect", [
    {
      ref: "to_https",
      expression: "(not ssl)",
      action: "redirect",
      actionParameters: { fromValue: { statusCode: 301, targetUrl: { expression: 'concat("https://", http.host, http.request.uri.path)' } } },
    },
  ]);

describe("cf-always-https", () => {
  test("passes with the setting on", () => expectPass(policy, fx.edgeSettings()));
  test("passes with an equivalent redirect rule", () => expectPass(policy, [...without(), redirect()]));
  test("fails with the setting off", () => expectViolation(policy, [fx.zoneSetting("always_use_https", "off")], 'always_use_https is "off"'));
  test("fails when absent", () => expectViolation(policy, without(), "neither sets always_use_https"));
  test("fails with a redirect rule when rules are not accepted", () =>
    expectViolation(policy, [...without(), redirect()], "neither sets always_use_https", { acceptRedirectRule: false }));
});
