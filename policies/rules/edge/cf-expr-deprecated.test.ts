import { cfExprDeprecated as policy } from "./cf-expr-deprecated";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("cf-expr-deprecated", () => {
  test("passes with ip.src.country", () => expectPass(policy, fx.wafCustom()));
  test("fails with ip.geoip.country", () =>
    expectViolation(policy, mutate(fx.wafCustom(), "rules.0.expression", 'ip.geoip.country in {"RU"}'), '"ip.geoip.country": use ip.src.'));
  test("fails with cf.threat_score", () =>
    expectViolation(policy, mutate(fx.wafCustom(), "rules.1.expression", "cf.threat_score gt 10"), '"cf.threat_score"'));
});
