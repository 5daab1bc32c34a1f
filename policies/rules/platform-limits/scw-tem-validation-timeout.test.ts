import { scwTemValidationTimeout as policy } from "./scw-tem-validation-timeout";
import { urnOf } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";
import type { GateResource } from "../../lib/run";

const TYPE = "scaleway:tem/domainValidation:DomainValidation";
const validation = (timeout: unknown): GateResource => ({
  urn: urnOf(TYPE, "renfort-email-tem-validation"),
  type: TYPE,
  name: "renfort-email-tem-validation",
  props: { domainId: "fr-par/11111111-1111-1111-1111-111111111111", region: "fr-par", ...(timeout === undefined ? {} : { timeout }) },
  protect: false,
  dependencies: [],
});

describe("scw-tem-validation-timeout", () => {
  test("passes for the component's 3000 s", () => expectPass(policy, validation(3000)));
  test("passes at the provider's 3600 s ceiling", () => expectPass(policy, validation(3600)));
  test("fails for the previous 600 s", () => expectViolation(policy, validation(600), "timeout 600 s is shorter than 1800 s"));
  test("fails without a timeout (provider default 300 s)", () => expectViolation(policy, validation(undefined), "the provider's default, 300 s"));
  test("fails beyond the provider's create timeout", () => expectViolation(policy, validation(7200), "longer than the provider's 3600 s"));
  test("honours a configured minimum", () => expectViolation(policy, validation(3000), "shorter than 3300 s", { minTimeoutSeconds: 3300 }));
  test("is undecided when unknown", () => expectUndecided(policy, validation(UNKNOWN)));
});
