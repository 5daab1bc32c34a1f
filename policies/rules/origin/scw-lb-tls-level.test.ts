import { scwLbTlsLevel as policy } from "./scw-lb-tls-level";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("scw-lb-tls-level", () => {
  test("passes with intermediate", () => expectPass(policy, fx.lb()));
  test("passes when unset (Scaleway default intermediate)", () => expectPass(policy, mutate(fx.lb(), "sslCompatibilityLevel", undefined)));
  test("fails with old", () => expectViolation(policy, mutate(fx.lb(), "sslCompatibilityLevel", "ssl_compatibility_level_old"), '"ssl_compatibility_level_old"'));
  test("fails with a short name the API does not know", () => expectViolation(policy, mutate(fx.lb(), "sslCompatibilityLevel", "intermediate"), '"intermediate"'));
});
