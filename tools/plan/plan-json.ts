/**
 * The Plan JSON document: what `npm run plan -- --stack <s> --json <file>` writes and what the review
 * tools (plan diff, stateful checks) read. The shape is fixed by the working contract ("Plan JSON").
 *
 * Every value is already redacted: a secret is the string "[secret]" and a preview unknown is the
 * engine's unknown sentinel, so the document can be posted in a pull request or kept as a CI artifact.
 */

/** What a secret value becomes in a Plan JSON document (see `redactSecrets` in tools/plan/harness.ts). */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * The engine's sentinel for a value not known until apply (preview mode). Same string as the Pulumi
 * SDK's `runtime.unknownValue` so it round-trips through JSON unchanged.
 */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A JSON value as it appears in `inputs`, `outputs` and the verdicts. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One resource the program registers, as the engine would see it. */
export interface PlanJsonResource {
  /** `urn:pulumi:<stack>::<project>::<parent type chain>$<type>::<name>`; the identity used for matching. */
  urn: string;
  /** Pulumi type token, e.g. `scaleway:databases/instance:Instance`. */
  type: string;
  /** Logical name given to the constructor. */
  name: string;
  /** URN of the parent resource (absent for the stack root). */
  parent?: string;
  /** Serialized inputs; secrets as "[secret]". */
  inputs: Record<string, JsonValue>;
  /** The `protect` resource option. */
  protect: boolean;
  /** URNs of explicit and implicit dependencies. */
  dependsOn: string[];
}

/** A policy verdict, as `runGate` (policies/gate.ts) reports it. */
export interface PlanJsonViolation {
  policy: string;
  level: "mandatory" | "advisory";
  urn?: string;
  message: string;
  /** True when the policy could not decide because an input was unknown (preview). */
  undecided: boolean;
}

export interface PlanJson {
  stack: string;
  project: string;
  /** Sorted by urn. */
  resources: PlanJsonResource[];
  /** Stack outputs, secrets as "[secret]". */
  outputs: Record<string, JsonValue>;
  /** Capacity verdict of the capacity model (shape owned by the capacity tool). */
  capacity?: JsonValue;
  /** Email-authentication validation verdict (shape owned by the email tool). */
  email?: JsonValue;
  violations: PlanJsonViolation[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks that a parsed document has the Plan JSON shape, so a stale or foreign file fails with a
 * message naming the field rather than deep inside the diff.
 */
export function assertPlanJson(doc: unknown, source: string): PlanJson {
  const fail = (what: string): never => {
    throw new Error(`${source} is not a Plan JSON document: ${what} (regenerate it with \`npm run plan -- --stack <s> --json <file>\`)`);
  };
  if (!isRecord(doc)) return fail("top level is not an object");
  if (typeof doc.stack !== "string") fail("`stack` must be a string");
  if (typeof doc.project !== "string") fail("`project` must be a string");
  if (!Array.isArray(doc.resources)) fail("`resources` must be an array");
  (doc.resources as unknown[]).forEach((r, i) => {
    if (!isRecord(r)) return fail(`resources[${i}] is not an object`);
    if (typeof r.urn !== "string" || typeof r.type !== "string" || typeof r.name !== "string") {
      fail(`resources[${i}] needs string urn, type and name`);
    }
    if (!isRecord(r.inputs)) fail(`resources[${i}].inputs must be an object`);
  });
  if (doc.outputs !== undefined && !isRecord(doc.outputs)) fail("`outputs` must be an object");
  if (doc.violations !== undefined && !Array.isArray(doc.violations)) fail("`violations` must be an array");
  const resources = (doc.resources as Record<string, unknown>[]).map((r) => ({
    ...(r as unknown as PlanJsonResource),
    protect: r.protect === true,
    dependsOn: Array.isArray(r.dependsOn) ? (r.dependsOn as string[]) : [],
  }));
  return {
    ...(doc as unknown as PlanJson),
    resources,
    outputs: (doc.outputs as Record<string, JsonValue> | undefined) ?? {},
    violations: (doc.violations as PlanJsonViolation[] | undefined) ?? [],
  };
}
