import { cfRateLimitSignup as policy } from "./cf-rate-limit-signup";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const rl = () => fx.rateLimit();

describe("cf-rate-limit-signup", () => {
  test("passes with a per-IP limit on /api/ writes", () => expectPass(policy, [rl(), fx.wafManaged()]));
  test("fails without a rate-limit ruleset", () => expectViolation(policy, [fx.wafManaged()], 'no http_ratelimit rule covering "/api/"'));
  test("fails when the covering rule is disabled", () => expectViolation(policy, [mutate(rl(), "rules.0.enabled", false)], "is disabled or only logs"));
  test("fails without ip.src", () => expectViolation(policy, [mutate(rl(), "rules.0.ratelimit.characteristics", ["cf.colo.id"])], '"ip.src"'));
  test("fails without cf.colo.id", () => expectViolation(policy, [mutate(rl(), "rules.0.ratelimit.characteristics", ["ip.src"])], '"cf.colo.id"'));
  test("fails with an unsupported period", () => expectViolation(policy, [mutate(rl(), "rules.0.ratelimit.period", 45)], "period 45s"));
  test("fails with a threshold below the shared-NAT peak", () =>
    expectViolation(policy, [mutate(rl(), "rules.0.ratelimit.requestsPerPeriod", 10)], "below the legitimate shared-NAT peak"));
  test("fails without a ratelimit block", () => expectViolation(policy, [mutate(rl(), "rules.0.ratelimit", undefined)], "has no ratelimit block"));
});
