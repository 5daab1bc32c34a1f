import { cfHsts as policy } from "./cf-hsts";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const h = () => fx.hsts();
const sts = "value.strict_transport_security";

describe("cf-hsts", () => {
  test("passes with a one-year, includeSubdomains, nosniff header", () => expectPass(policy, [h()]));
  test("fails when absent", () => expectViolation(policy, [fx.zoneSetting("ssl", "strict")], 'no "security_header"'));
  test("fails with camelCase keys", () =>
    expectViolation(policy, [fx.zoneSetting("security_header", { strictTransportSecurity: { enabled: true, maxAge: 31536000 } })], "camelCase"));
  test("fails when disabled", () => expectViolation(policy, [mutate(h(), `${sts}.enabled`, false)], "set enabled: true"));
  test("fails with a short max_age", () => expectViolation(policy, [mutate(h(), `${sts}.max_age`, 86400)], "max_age >= 31536000"));
  test("fails without include_subdomains", () => expectViolation(policy, [mutate(h(), `${sts}.include_subdomains`, false)], "include_subdomains"));
  test("fails without nosniff", () => expectViolation(policy, [mutate(h(), `${sts}.nosniff`, false)], "nosniff"));
  test("fails without preload when required", () => expectViolation(policy, [h()], "preload", { requirePreload: true }));
});
