import { cfMinTls as policy } from "./cf-min-tls";
import { fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("cf-min-tls", () => {
  test("passes with 1.2", () => expectPass(policy, fx.edgeSettings()));
  test("passes with 1.3 when 1.3 is required", () =>
    expectPass(policy, [fx.zoneSetting("min_tls_version", "1.3")], { minVersion: "1.3" }));
  test("fails when absent", () =>
    expectViolation(policy, fx.edgeSettings().filter((r) => r.props.settingId !== "min_tls_version"), 'no "min_tls_version"'));
  test("fails with TLS 1.0", () => expectViolation(policy, [fx.zoneSetting("min_tls_version", "1.0")], 'min_tls_version is "1.0"'));
  test("fails with 1.2 when 1.3 is required", () =>
    expectViolation(policy, [fx.zoneSetting("min_tls_version", "1.2")], 'min_tls_version is "1.2"', { minVersion: "1.3" }));
});
