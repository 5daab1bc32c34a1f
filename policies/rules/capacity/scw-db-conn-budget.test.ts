import { scwDbConnBudget as policy } from "./scw-db-conn-budget";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("scw-db-conn-budget", () => {
  test("passes: 20 x 20 + 20 = 420 <= 800", () => expectPass(policy, [fx.db(), fx.group()]));
  test("fails when the pools exceed max_connections", () =>
    expectViolation(policy, [mutate(fx.db(), "settings.max_connections", "400"), fx.group()], "= 420 connections, above max_connections 400"));
  test("fails without max_connections", () => expectViolation(policy, [mutate(fx.db(), "settings", {}), fx.group()], "does not set settings.max_connections"));
  test("fails with a non-numeric max_connections", () => expectViolation(policy, [mutate(fx.db(), "settings.max_connections", "lots"), fx.group()], '"lots"'));
  test("fails without the pool-size tag", () => expectViolation(policy, [fx.db(), fx.group(fx.capacityTags().slice(0, 3))], "does not publish its pool size"));
  test("counts the configured reserve", () => expectViolation(policy, [fx.db(), fx.group()], "above max_connections 800", { reserveConnections: 500 }));
});
