import { scwDbHa as policy } from "./scw-db-ha";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";

describe("scw-db-ha", () => {
  test("passes for an HA cluster", () => expectPass(policy, fx.db()));
  test("fails when HA is off", () => expectViolation(policy, mutate(fx.db(), "isHaCluster", false), "isHaCluster is not true"));
  test("fails when HA is unset", () => expectViolation(policy, mutate(fx.db(), "isHaCluster", undefined), "isHaCluster is not true"));
  test("is undecided when unknown", () => expectUndecided(policy, mutate(fx.db(), "isHaCluster", UNKNOWN)));
});
