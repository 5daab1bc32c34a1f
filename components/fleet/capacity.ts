/**
 * The capacity model: how many app instances the target needs, and whether the database can take their
 * connections. Pure, so the plan, the policies and the tests all read the same verdict.
 *
 * - required capacity = target signups/s x headroom
 * - minimum instances = max(availability floor, ceil(required / signups/s one instance sustains))
 * - connections per instance = pool size + 1: the request pool, and the dedicated client that LISTENs for
 *   the degraded-mode switch (app/src/degraded-mode.ts; not one of the pool's connections);
 * - connection budget: 2 releases x maxInstances x (pool size + 1) + reserve <= the database's
 *   max_connections, and 2 x maxInstances x (pool size + 1) <= the app role's connection limit. The fleet
 *   can grow to maxInstances and every instance may fill its pool; during a release the new groups run
 *   beside the old ones until the health gate passes (./release.ts), both with their autoscaling
 *   policies, so both releases at their maximum is the worst case that must fit.
 *
 * The per-instance figure is measured by the load campaign (tools/loadtest) and written to
 * `renfort:capacity.signupsPerSecondPerInstance`; the launch lesson was that capacity is found by
 * progressive load, not assumed.
 */

/** Connections an app instance holds beyond its pool: the degraded-mode LISTEN client. */
export const EXTRA_CONNECTIONS_PER_INSTANCE = 1;
/** Releases whose instances hold connections at once: the old and the new one, during a rollout. */
export const RELEASES_DURING_ROLLOUT = 2;

export interface CapacityInputs {
  /** `renfort:capacity.targetSignupsPerSecond`. */
  targetSignupsPerSecond: number;
  /** `renfort:capacity.signupsPerSecondPerInstance` (measured). */
  signupsPerSecondPerInstance: number;
  /** `renfort:capacity.headroom`, >= 1. */
  headroom: number;
  /** `renfort:fleet.minInstances`: availability floor whatever the load. */
  minInstances: number;
  /** `renfort:fleet.maxInstances`: ceiling of the autoscaler. */
  maxInstances: number;
  /** `renfort:fleet.poolSize`: PostgreSQL connections per instance. */
  poolSize: number;
  /** `renfort:capacity.connectionReserve`: connections kept for migrations, admin, monitoring. */
  connectionReserve: number;
  /** `renfort:database.settings.max_connections`; undefined when the stack leaves the engine default. */
  databaseMaxConnections?: number;
  /**
   * `renfort:database.roles.app.connectionLimit`: PostgreSQL refuses the app role's connections beyond it.
   * Undefined when unlimited (-1).
   */
  appRoleConnectionLimit?: number;
}

export interface CapacityVerdict {
  /** Signups per second the platform must hold. */
  target: number;
  /** Signups per second one instance holds (measured). */
  perInstance: number;
  headroom: number;
  /** target x headroom. */
  requiredCapacity: number;
  /** What the fleet runs at least: max(floor, ceil(requiredCapacity / perInstance)). */
  minInstances: number;
  /** The instances the model alone asks for (before the floor). */
  instancesForTarget: number;
  /** The configured availability floor. */
  floorInstances: number;
  maxInstances: number;
  /** Signups per second the fleet holds at minInstances. */
  capacityAtMin: number;
  /** Signups per second the fleet holds at maxInstances. */
  capacityAtMax: number;
  connectionBudget: {
    poolSize: number;
    /** Connections one instance holds: poolSize + the LISTEN client. */
    perInstance: number;
    /** Releases counted at once (the old and the new one during a rollout). */
    releases: number;
    reserve: number;
    /** The app role's connections at worst: releases x maxInstances x perInstance. */
    app: number;
    /** app + reserve. */
    used: number;
    /** The database's max_connections, or null when unknown. */
    available: number | null;
    /** The app role's connection limit (`app` must fit), or null when unlimited. */
    appRoleLimit: number | null;
  };
  ok: boolean;
  /** Why not ok (empty when ok); each names the config keys to change. */
  reasons: string[];
}

export class CapacityInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CapacityInputError";
  }
}

type Rule = "positive" | "atLeastOne" | "positiveInteger" | "nonNegativeInteger";

const KEYS: Record<keyof CapacityInputs, { key: string; rule: Rule }> = {
  targetSignupsPerSecond: { key: "renfort:capacity.targetSignupsPerSecond", rule: "positive" },
  signupsPerSecondPerInstance: { key: "renfort:capacity.signupsPerSecondPerInstance", rule: "positive" },
  headroom: { key: "renfort:capacity.headroom", rule: "atLeastOne" },
  minInstances: { key: "renfort:fleet.minInstances", rule: "positiveInteger" },
  maxInstances: { key: "renfort:fleet.maxInstances", rule: "positiveInteger" },
  poolSize: { key: "renfort:fleet.poolSize", rule: "positiveInteger" },
  connectionReserve: { key: "renfort:capacity.connectionReserve", rule: "nonNegativeInteger" },
  databaseMaxConnections: { key: "renfort:database.settings.max_connections", rule: "positiveInteger" },
  appRoleConnectionLimit: { key: "renfort:database.roles.app.connectionLimit", rule: "positiveInteger" },
};

function check(name: keyof CapacityInputs, value: unknown): void {
  const { key, rule } = KEYS[name];
  const n = value as number;
  const finite = typeof value === "number" && Number.isFinite(n);
  const problem =
    rule === "positive"
      ? finite && n > 0 ? undefined : "must be a number > 0"
      : rule === "atLeastOne"
        ? finite && n >= 1 ? undefined : "must be a number >= 1 (1.5 means 50% spare)"
        : rule === "positiveInteger"
          ? finite && Number.isInteger(n) && n > 0 ? undefined : "must be an integer > 0"
          : finite && Number.isInteger(n) && n >= 0 ? undefined : "must be an integer >= 0";
  if (problem) throw new CapacityInputError(`${key} ${problem}, got ${typeof value === "number" ? String(value) : JSON.stringify(value)}`);
}

/**
 * Smallest integer >= x, ignoring floating-point noise: 150 x 1.2 / 180 is 1.0000000000000002 in IEEE
 * doubles and must give 1 instance, not 2.
 */
function ceilTolerant(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-9 ? r : Math.ceil(x);
}

/** Rounds for display only (signups per second with at most 3 decimals). */
function tidy(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * The verdict for one stack. Throws {@link CapacityInputError} (naming the config key) on an input that
 * makes the arithmetic meaningless (zero, negative, NaN, infinite, fractional counts); returns `ok: false`
 * with reasons when the numbers are valid but the fleet or the database cannot meet the target.
 */
export function capacityVerdict(inputs: CapacityInputs): CapacityVerdict {
  for (const name of Object.keys(KEYS) as (keyof CapacityInputs)[]) {
    if ((name === "databaseMaxConnections" || name === "appRoleConnectionLimit") && inputs[name] === undefined) continue;
    check(name, inputs[name]);
  }
  const { targetSignupsPerSecond: target, signupsPerSecondPerInstance: perInstance, headroom } = inputs;
  const requiredCapacity = tidy(target * headroom);
  const instancesForTarget = ceilTolerant((target * headroom) / perInstance);
  const minInstances = Math.max(inputs.minInstances, instancesForTarget);
  const perInstanceConnections = inputs.poolSize + EXTRA_CONNECTIONS_PER_INSTANCE;
  const appConnections = RELEASES_DURING_ROLLOUT * inputs.maxInstances * perInstanceConnections;
  const used = appConnections + inputs.connectionReserve;
  const available = inputs.databaseMaxConnections ?? null;
  const appRoleLimit = inputs.appRoleConnectionLimit ?? null;
  // How the figure is made, in the words of the config keys: every message below repeats it.
  const formula = `${RELEASES_DURING_ROLLOUT} releases during a rollout x renfort:fleet.maxInstances ${inputs.maxInstances} x (renfort:fleet.poolSize ${inputs.poolSize} + ${EXTRA_CONNECTIONS_PER_INSTANCE} LISTEN connection)`;

  const reasons: string[] = [];
  if (minInstances > inputs.maxInstances) {
    const why =
      instancesForTarget > inputs.minInstances
        ? `the target needs ${instancesForTarget} instances (ceil(${target} x ${headroom} / ${perInstance}))`
        : `renfort:fleet.minInstances is ${inputs.minInstances}`;
    reasons.push(
      `${why} but renfort:fleet.maxInstances is ${inputs.maxInstances}: raise renfort:fleet.maxInstances to at least ${minInstances}, or lower renfort:capacity.targetSignupsPerSecond / renfort:capacity.headroom`,
    );
  }
  if (available === null) {
    reasons.push(
      `the database connection budget cannot be checked: set renfort:database.settings.max_connections (the fleet may open ${used} connections: ${formula} + renfort:capacity.connectionReserve ${inputs.connectionReserve})`,
    );
  } else if (used > available) {
    reasons.push(
      `the fleet may open ${used} connections (${formula} + renfort:capacity.connectionReserve ${inputs.connectionReserve}) but renfort:database.settings.max_connections is ${available}: lower renfort:fleet.poolSize or renfort:fleet.maxInstances, or raise max_connections (a larger renfort:database.nodeType allows more)`,
    );
  }

  if (appRoleLimit !== null && appConnections > appRoleLimit) {
    reasons.push(
      `the fleet may open ${appConnections} connections as the app role (${formula}) but renfort:database.roles.app.connectionLimit is ${appRoleLimit}: raise the role's limit or lower the pool size or maxInstances`,
    );
  }

  return {
    target,
    perInstance,
    headroom,
    requiredCapacity,
    minInstances,
    instancesForTarget,
    floorInstances: inputs.minInstances,
    maxInstances: inputs.maxInstances,
    capacityAtMin: tidy(minInstances * perInstance),
    capacityAtMax: tidy(inputs.maxInstances * perInstance),
    connectionBudget: {
      poolSize: inputs.poolSize,
      perInstance: perInstanceConnections,
      releases: RELEASES_DURING_ROLLOUT,
      reserve: inputs.connectionReserve,
      app: appConnections,
      used,
      available,
      appRoleLimit,
    },
    ok: reasons.length === 0,
    reasons,
  };
}

/**
 * The capacity facts as autoscaling-group tags (`key=value`), the contract the policy pack reads
 * (see the policies' capacity rule).
 */
export function capacityTags(v: CapacityVerdict): string[] {
  return [
    `renfort-capacity-target=${v.target}`,
    `renfort-capacity-per-instance=${v.perInstance}`,
    `renfort-capacity-headroom=${v.headroom}`,
    `renfort-pool-size=${v.connectionBudget.poolSize}`,
    `renfort-connection-reserve=${v.connectionBudget.reserve}`,
    `renfort-capacity-min=${v.minInstances}`,
    `renfort-capacity-max=${v.maxInstances}`,
  ];
}
