import { CapacityInputError, capacityTags, capacityVerdict, type CapacityInputs } from "./capacity";

/** The committed prod figures. */
const prod: CapacityInputs = {
  targetSignupsPerSecond: 600,
  signupsPerSecondPerInstance: 150,
  headroom: 1.5,
  minInstances: 3,
  maxInstances: 12,
  poolSize: 20,
  connectionReserve: 20,
  databaseMaxConnections: 600,
  appRoleConnectionLimit: 520,
};

describe("capacityVerdict: fleet size", () => {
  it.each<[string, Partial<CapacityInputs>, number, number]>([
    // [case, change, instancesForTarget, minInstances]
    ["prod: 600 x 1.5 / 150 is exactly 6", {}, 6, 6],
    ["exact fit: 900 / 150 needs no seventh instance", { targetSignupsPerSecond: 900, headroom: 1 }, 6, 6],
    ["one short: 901 / 150 needs a seventh", { targetSignupsPerSecond: 901, headroom: 1 }, 7, 7],
    ["just under: 899 / 150 still needs six", { targetSignupsPerSecond: 899, headroom: 1 }, 6, 6],
    ["the floor wins over a small target", { targetSignupsPerSecond: 10 }, 1, 3],
    ["floating-point noise: 150 x 1.2 / 180 is 1, not 2", { targetSignupsPerSecond: 150, headroom: 1.2, signupsPerSecondPerInstance: 180, minInstances: 1 }, 1, 1],
    ["staging: 100 x 1.2 / 150 is 0.8 -> 1", { targetSignupsPerSecond: 100, headroom: 1.2, minInstances: 1, maxInstances: 3 }, 1, 1],
  ])("%s", (_label, change, forTarget, min) => {
    const v = capacityVerdict({ ...prod, ...change });
    expect(v.instancesForTarget).toBe(forTarget);
    expect(v.minInstances).toBe(min);
    expect(v.capacityAtMin).toBe(min * v.perInstance);
  });

  it("reports the whole verdict for prod", () => {
    expect(capacityVerdict(prod)).toEqual({
      target: 600,
      perInstance: 150,
      headroom: 1.5,
      requiredCapacity: 900,
      minInstances: 6,
      instancesForTarget: 6,
      floorInstances: 3,
      maxInstances: 12,
      capacityAtMin: 900,
      capacityAtMax: 1800,
      connectionBudget: { poolSize: 20, perInstance: 21, releases: 2, reserve: 20, app: 504, used: 524, available: 600, appRoleLimit: 520 },
      ok: true,
      reasons: [],
    });
  });

  it("is not ok when the target needs more than maxInstances, and names the keys", () => {
    const v = capacityVerdict({ ...prod, maxInstances: 5 });
    expect(v.ok).toBe(false);
    expect(v.minInstances).toBe(6);
    expect(v.reasons).toEqual([expect.stringContaining("the target needs 6 instances (ceil(600 x 1.5 / 150)) but `capacity.maxInstances` is 5")]);
    expect(v.reasons[0]).toContain("raise `capacity.maxInstances` to at least 6");
  });

  it("is not ok when the floor alone exceeds maxInstances", () => {
    const v = capacityVerdict({ ...prod, targetSignupsPerSecond: 10, minInstances: 4, maxInstances: 3 });
    expect(v.ok).toBe(false);
    expect(v.reasons[0]).toContain("`capacity.minInstances` is 4 but `capacity.maxInstances` is 3");
  });

  it("is ok when min equals max (exact fit on the ceiling)", () => {
    expect(capacityVerdict({ ...prod, maxInstances: 6 }).ok).toBe(true);
  });
});

describe("capacityVerdict: connection budget", () => {
  // Every instance holds its pool plus the degraded-mode LISTEN client, and during a release the old and
  // the new groups both run: 2 x maxInstances x (poolSize + 1) + reserve.
  it.each<[string, Partial<CapacityInputs>, number, boolean]>([
    ["prod: 2 x 12 x (20 + 1) + 20 = 524 of 600", {}, 524, true],
    ["exact fit: 524 of 524", { databaseMaxConnections: 524 }, 524, true],
    ["one short: 524 needed, 523 available", { databaseMaxConnections: 523 }, 524, false],
    ["what one release's pools alone would fit (12 x 20 + 20 = 260) is far short", { databaseMaxConnections: 260 }, 524, false],
    ["no reserve: 504 of 504", { connectionReserve: 0, databaseMaxConnections: 504 }, 504, true],
    ["a pool of one still holds two connections per instance: 2 x 12 x 2 = 48", { poolSize: 1, connectionReserve: 0, databaseMaxConnections: 48 }, 48, true],
    ["the same one short", { poolSize: 1, connectionReserve: 0, databaseMaxConnections: 47 }, 48, false],
  ])("%s", (_label, change, used, ok) => {
    const v = capacityVerdict({ ...prod, appRoleConnectionLimit: undefined, ...change });
    expect(v.connectionBudget.used).toBe(used);
    expect(v.connectionBudget.app).toBe(used - (change.connectionReserve ?? prod.connectionReserve));
    expect(v.ok).toBe(ok);
  });

  it("names the keys and the arithmetic when over budget", () => {
    const v = capacityVerdict({ ...prod, databaseMaxConnections: 500 });
    expect(v.reasons).toEqual([
      "the fleet may open 524 connections (2 releases during a rollout x `capacity.maxInstances` 12 x (`capacity.poolSize` 20 + 1 LISTEN connection) + `capacity.connectionReserve` 20) but `capacity.databaseMaxConnections` is 500: lower `capacity.poolSize` or `capacity.maxInstances`, or raise the database's max_connections (a larger node type allows more)",
    ]);
  });

  it.each<[string, number | undefined, boolean]>([
    ["the app role's exact fit: 2 x 12 x 21 = 504 of 504", 504, true],
    ["the app role one short: 504 of 503", 503, false],
    ["the old figure, one release's pools (12 x 20 = 240 of 400), is now an overflow", 400, false],
    ["an unlimited app role", undefined, true],
  ])("%s", (_label, appRoleConnectionLimit, ok) => {
    const v = capacityVerdict({ ...prod, appRoleConnectionLimit });
    expect(v.ok).toBe(ok);
    expect(v.connectionBudget.appRoleLimit).toBe(appRoleConnectionLimit ?? null);
    if (!ok) expect(v.reasons[0]).toContain(`the fleet may open 504 connections as the app role (2 releases during a rollout x \`capacity.maxInstances\` 12 x (\`capacity.poolSize\` 20 + 1 LISTEN connection)) but \`capacity.appRoleConnectionLimit\` is ${appRoleConnectionLimit}`);
  });

  it("reports an unknown budget as not ok instead of guessing", () => {
    const v = capacityVerdict({ ...prod, databaseMaxConnections: undefined });
    expect(v.connectionBudget.available).toBeNull();
    expect(v.ok).toBe(false);
    expect(v.reasons[0]).toContain("set `capacity.databaseMaxConnections`");
  });
});

describe("capacityVerdict: rejected inputs", () => {
  it.each<[keyof CapacityInputs, unknown, string]>([
    ["targetSignupsPerSecond", 0, "`capacity.targetSignupsPerSecond` must be a number > 0, got 0"],
    ["targetSignupsPerSecond", -600, "`capacity.targetSignupsPerSecond` must be a number > 0, got -600"],
    ["targetSignupsPerSecond", Number.NaN, "`capacity.targetSignupsPerSecond` must be a number > 0, got NaN"],
    ["signupsPerSecondPerInstance", 0, "`capacity.signupsPerSecondPerInstance` must be a number > 0, got 0"],
    ["signupsPerSecondPerInstance", Number.POSITIVE_INFINITY, "`capacity.signupsPerSecondPerInstance` must be a number > 0, got Infinity"],
    ["signupsPerSecondPerInstance", "150", '`capacity.signupsPerSecondPerInstance` must be a number > 0, got "150"'],
    ["headroom", 0.9, "`capacity.headroom` must be a number >= 1 (1.5 means 50% spare), got 0.9"],
    ["minInstances", 0, "`capacity.minInstances` must be an integer > 0, got 0"],
    ["maxInstances", 2.5, "`capacity.maxInstances` must be an integer > 0, got 2.5"],
    ["poolSize", -1, "`capacity.poolSize` must be an integer > 0, got -1"],
    ["connectionReserve", -5, "`capacity.connectionReserve` must be an integer >= 0, got -5"],
    ["databaseMaxConnections", 0, "`capacity.databaseMaxConnections` must be an integer > 0, got 0"],
    ["appRoleConnectionLimit", 0, "`capacity.appRoleConnectionLimit` must be an integer > 0, got 0"],
  ])("rejects %s = %p", (key, value, message) => {
    const run = () => capacityVerdict({ ...prod, [key]: value });
    expect(run).toThrow(CapacityInputError);
    expect(run).toThrow(message);
  });
});

describe("capacityTags", () => {
  it("carries the facts the policies read", () => {
    expect(capacityTags(capacityVerdict(prod))).toEqual([
      "renfort-capacity-target=600",
      "renfort-capacity-per-instance=150",
      "renfort-capacity-headroom=1.5",
      "renfort-pool-size=20",
      "renfort-connection-reserve=20",
      "renfort-capacity-min=6",
      "renfort-capacity-max=12",
    ]);
  });
});
