import { scwDbConnBudget as policy } from "./scw-db-conn-budget";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

// The fixture group: maxReplicas 20, pool 20. During a release its previous release runs beside it, and each
// instance holds its pool plus the degraded-mode LISTEN connection: 2 x 20 x (20 + 1) + 20 reserve = 860.
const db = (maxConnections: string) => mutate(fx.db(), "settings.max_connections", maxConnections);

describe("scw-db-conn-budget", () => {
  test("passes at the exact fit: 2 x 20 x (20 + 1) + 20 = 860 <= 860", () => expectPass(policy, [db("860"), fx.group()]));
  test("fails one short, showing the arithmetic", () =>
    expectViolation(policy, [db("859"), fx.group()], "needs 2 x 20 x (20 + 1) + 20 reserve = 860 connections, above max_connections 859"));
  test("fails where one release's pools alone would fit (20 x 20 + 20 = 420 <= 800)", () => expectViolation(policy, [db("800"), fx.group()], "= 860 connections, above max_connections 800"));
  test("sums every group (one per load balancer)", () => {
    const second = { ...fx.group(), name: "fleet-group-secondary", urn: `${fx.group().urn}-secondary` };
    expectPass(policy, [db("1700"), fx.group(), second]);
    expectViolation(policy, [db("1699"), fx.group(), second], "needs 2 x 20 x (20 + 1) + 2 x 20 x (20 + 1) + 20 reserve = 1700 connections");
  });
  test("fails without max_connections", () => expectViolation(policy, [mutate(fx.db(), "settings", {}), fx.group()], "does not set settings.max_connections"));
  test("fails with a non-numeric max_connections", () => expectViolation(policy, [mutate(fx.db(), "settings.max_connections", "lots"), fx.group()], '"lots"'));
  test("fails without the pool-size tag", () => expectViolation(policy, [fx.db(), fx.group(fx.capacityTags().slice(0, 3))], "does not publish its pool size"));
  test("counts the configured reserve", () => expectViolation(policy, [db("860"), fx.group()], "+ 21 reserve = 861 connections, above max_connections 860", { reserveConnections: 21 }));
});
