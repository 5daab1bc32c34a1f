import { cfExprValid as policy } from "./cf-expr-valid";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const custom = () => fx.wafCustom();

describe("cf-expr-valid", () => {
  test("passes for the fixture rulesets", () => expectPass(policy, [fx.wafManaged(), custom(), fx.rateLimit(), fx.cacheRules()]));
  test("fails on an empty expression", () => expectViolation(policy, mutate(custom(), "rules.0.expression", " "), "empty expression"));
  test("fails on a too-long expression", () =>
    expectViolation(policy, mutate(custom(), "rules.0.expression", `http.host eq "${"a".repeat(5000)}"`), "above the 4096 limit"));
  test("fails on unbalanced parentheses", () => expectViolation(policy, mutate(custom(), "rules.0.expression", '(http.host eq "a"'), "does not parse"));
  test("fails on an unknown field", () => expectViolation(policy, mutate(custom(), "rules.0.expression", 'http.request.path eq "/"'), '"http.request.path"'));
  test("fails on matches when regex is not allowed", () =>
    expectViolation(policy, mutate(custom(), "rules.0.expression", 'http.request.uri.path matches "^/a"'), '"matches"', { allowRegex: false }));
  test("fails on an action the phase does not accept", () => expectViolation(policy, mutate(custom(), "rules.0.action", "execute"), 'action "execute"'));
});
