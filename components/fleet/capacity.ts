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
 * The per-instance figure is measured by the load campaign (tools/loadtest) and written to the stack's
 * config (`npm run capacity`); the launch lesson was that capacity is found by progressive load, not assumed.
 *
 * Messages name the Fleet's arguments in backticks (`capacity.maxInstances`); stacks/wiring/fleet.ts names
 * the config key that feeds each one.
 */
import type { ArgProblem } from "../args";

/** Connections an app instance holds beyond its pool: the degraded-mode LISTEN client. */
export const EXTRA_CONNECTIONS_PER_INSTANCE = 1;
/** Releases whose instances hold connections at once: the old and the new one, during a rollout. */
export const RELEASES_DURING_ROLLOUT = 2;

export interface CapacityInputs {
  /** Signups per second the platform must hold, > 0. */
  targetSignupsPerSecond: number;
  /** Signups per second one instance holds, measured by a load campaign, > 0. */
  signupsPerSecondPerInstance: number;
  /** Spare capacity factor, >= 1 (1.5 means 50% spare). */
  headroom: number;
  /** Availability floor whatever the load (instances, > 0). */
  minInstances: number;
  /** Ceiling of the autoscaler (instances, > 0). */
  maxInstances: number;
  /** PostgreSQL connections in each instance's pool, > 0. */
  poolSize: number;
  /** Connections kept for migrations, admin, monitoring, >= 0. */
  connectionReserve: number;
  /** The database's max_connections; undefined when the database keeps the engine default. */
  databaseMaxConnections?: number;
  /** The app role's connection limit: PostgreSQL refuses its connections beyond it. Undefined when unlimited (-1). */
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
  /** Why not ok (empty when ok); each names the arguments to change, in backticks. */
  reasons: string[];
}

export class CapacityInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CapacityInputError";
  }
}

type Rule = "positive" | "atLeastOne" | "positiveInteger" | "nonNegativeInteger";

const RULES: Record<keyof CapacityInputs, Rule> = {
  targetSignupsPerSecond: "positive",
  signupsPerSecondPerInstance: "positive",
  headroom: "atLeastOne",
  minInstances: "positiveInteger",
  maxInstances: "positiveInteger",
  poolSize: "positiveInteger",
  connectionReserve: "nonNegativeInteger",
  databaseMaxConnections: "positiveInteger",
  appRoleConnectionLimit: "positiveInteger",
};

/** Why one input is meaningless for the arithmetic (a `must ...` sentence), or undefined. */
function ruleProblem(rule: Rule, value: unknown): string | undefined {
  const n = value as number;
  const finite = typeof value === "number" && Number.isFinite(n);
  if (rule === "positive") return finite && n > 0 ? undefined : "must be a number > 0";
  if (rule === "atLeastOne") return finite && n >= 1 ? undefined : "must be a number >= 1 (1.5 means 50% spare)";
  if (rule === "positiveInteger") return finite && Number.isInteger(n) && n > 0 ? undefined : "must be an integer > 0";
  return finite && Number.isInteger(n) && n >= 0 ? undefined : "must be an integer >= 0";
}

/** Every input the model refuses, as problems of the Fleet's `capacity` argument; [] when it accepts them. */
function capacityInputProblems(inputs: CapacityInputs): ArgProblem[] {
  return (Object.keys(RULES) as (keyof CapacityInputs)[]).flatMap((name) => {
    const value = inputs[name];
    if ((name === "databaseMaxConnections" || name === "appRoleConnectionLimit") && value === undefined) return [];
    const message = ruleProblem(RULES[name], value);
    return message ? [{ path: ["capacity", name], message, value }] : [];
  });
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
 * The verdict for one stack. Throws {@link CapacityInputError} (naming the argument) on an input that
 * makes the arithmetic meaningless (zero, negative, NaN, infinite, fractional counts); returns `ok: false`
 * with reasons when the numbers are valid but the fleet or the database cannot meet the target.
 */
export function capacityVerdict(inputs: CapacityInputs): CapacityVerdict {
  const [problem] = capacityInputProblems(inputs);
  if (problem) {
    const got = typeof problem.value === "number" ? String(problem.value) : JSON.stringify(problem.value);
    throw new CapacityInputError(`\`${problem.path.join(".")}\` ${problem.message}, got ${got}`);
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
  // How the figure is made, in the words of the arguments: every message below repeats it.
  const formula = `${RELEASES_DURING_ROLLOUT} releases during a rollout x \`capacity.maxInstances\` ${inputs.maxInstances} x (\`capacity.poolSize\` ${inputs.poolSize} + ${EXTRA_CONNECTIONS_PER_INSTANCE} LISTEN connection)`;

  const reasons: string[] = [];
  if (minInstances > inputs.maxInstances) {
    const why =
      instancesForTarget > inputs.minInstances
        ? `the target needs ${instancesForTarget} instances (ceil(${target} x ${headroom} / ${perInstance}))`
        : `\`capacity.minInstances\` is ${inputs.minInstances}`;
    reasons.push(
      `${why} but \`capacity.maxInstances\` is ${inputs.maxInstances}: raise \`capacity.maxInstances\` to at least ${minInstances}, or lower \`capacity.targetSignupsPerSecond\` / \`capacity.headroom\``,
    );
  }
  if (available === null) {
    reasons.push(
      `the database connection budget cannot be checked: set \`capacity.databaseMaxConnections\` (the fleet may open ${used} connections: ${formula} + \`capacity.connectionReserve\` ${inputs.connectionReserve})`,
    );
  } else if (used > available) {
    reasons.push(
      `the fleet may open ${used} connections (${formula} + \`capacity.connectionReserve\` ${inputs.connectionReserve}) but \`capacity.databaseMaxConnections\` is ${available}: lower \`capacity.poolSize\` or \`capacity.maxInstances\`, or raise the database's max_connections (a larger node type allows more)`,
    );
  }

  if (appRoleLimit !== null && appConnections > appRoleLimit) {
    reasons.push(
      `the fleet may open ${appConnections} connections as the app role (${formula}) but \`capacity.appRoleConnectionLimit\` is ${appRoleLimit}: raise the role's limit or lower the pool size or maxInstances`,
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
