import { scwLbHealthcheck as policy } from "./scw-lb-healthcheck";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("scw-lb-healthcheck", () => {
  test("passes with /readyz", () => expectPass(policy, fx.backend()));
  test("fails with the liveness /healthz, saying why", () =>
    expectViolation(policy, mutate(fx.backend(), "healthCheckHttp.uri", "/healthz"), 'calls "/healthz" (the app\'s liveness: it passes with the database unreachable): call the app\'s readiness endpoint "/readyz"'));
  test("fails without a health check", () => expectViolation(policy, mutate(fx.backend(), "healthCheckHttp", undefined), "no HTTP(S) health check"));
  test("fails with a TCP check only", () =>
    expectViolation(policy, mutate(mutate(fx.backend(), "healthCheckHttp", undefined), "healthCheckTcp", {}), "(only TCP)"));
  test("fails with another path", () => expectViolation(policy, mutate(fx.backend(), "healthCheckHttp.uri", "/"), 'calls "/"'));
});
