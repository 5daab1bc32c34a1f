import { cfGeoBan as policy } from "./cf-geo-ban";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const geo = (expression: string) => mutate(fx.wafCustom(), "rules.0.expression", expression);

describe("cf-geo-ban", () => {
  test("passes for a ban on KP and RU", () => expectPass(policy, fx.wafCustom()));
  test("passes for a skip rule on FR (an exception, not a ban)", () =>
    expectPass(policy, mutate(geo('ip.src.country eq "FR"'), "rules.0.action", "skip")));
  test("fails when FR is banned", () => expectViolation(policy, geo('(ip.src.country in {"RU" "FR"})'), "bans protected countries FR"));
  test("fails when an overseas territory is banned", () => expectViolation(policy, geo('ip.src.country eq "RE"'), "protected countries RE"));
  test("fails on a negated set that leaves France out", () => expectViolation(policy, geo('not ip.src.country in {"DE"}'), "leaves out FR"));
  test("fails on ne FR-less negation", () => expectViolation(policy, geo('ip.src.country ne "BE"'), "leaves out"));
  test("fails even if the config forgot FR", () =>
    expectViolation(policy, geo('ip.src.country in {"FR"}'), "protected countries FR", { protectedCountries: ["DE"] }));
  test("fails on an invalid code", () => expectViolation(policy, geo('ip.src.country in {"RUS"}'), "invalid country codes RUS"));
  test("fails on a disallowed action", () => expectViolation(policy, mutate(fx.wafCustom(), "rules.0.action", "js_challenge"), 'action "js_challenge"'));
});
