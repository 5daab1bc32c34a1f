/**
 * The Plan JSON document: what `npm run plan -- --stack <s> --json <file>` writes and what the review
 * tools (plan diff, stateful checks) read. The shape is fixed by the working contract ("Plan JSON").
 *
 * Every value is already redacted: a secret is the string "[secret]" and a preview unknown is the
 * engine's unknown sentinel, so the document can be posted in a pull request or kept as a CI artifact.
 */
import { createHmac } from "node:crypto";
import { isSecret, unwrapSecrets } from "./values";

// What a secret becomes in a Plan JSON document, and the engine's sentinel for a value not known until
// apply (it round-trips through JSON unchanged).
export { SECRET_PLACEHOLDER, UNKNOWN as UNKNOWN_SENTINEL } from "./values";

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
  /**
   * Keyed fingerprints of the secret inputs by path (see `secretFingerprints`), present only when the
   * plan ran with RENFORT_PLAN_SECRET_KEY set (the plan diff sets it).
   */
  secretFingerprints?: Record<string, string>;
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
  /** Email-authentication verdict the plan computes over the exported records (tools/plan/email/verdict.ts). */
  email?: JsonValue;
  /** Clearly-marked placeholders of the stack file (data/placeholders.ts): `pulumi up` refuses them until replaced. */
  placeholders?: { key: string; value: string; why: string }[];
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


/**
 * Environment variable holding the key of the secret fingerprints. The plan diff sets it to a random
 * value for one comparison (both plans must use the same key) and never prints it.
 */
export const SECRET_FINGERPRINT_KEY_ENV = "RENFORT_PLAN_SECRET_KEY";


function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/**
 * Keyed fingerprints (HMAC-SHA256, 16 hex digits) of every secret in a resource's serialized inputs,
 * by property path (`cloudInit`, `settings.password`, `env[2].value`). With the same random key on
 * both sides, the plan diff can tell a changed secret (e.g. a cloud-init whose plain part changed
 * with the degraded-mode switch) from an unchanged one without ever seeing or printing the value;
 * without the key a fingerprint cannot be tested against guesses.
 */
export function secretFingerprints(inputs: unknown, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, path: string) => {
    if (isSecret(v)) {
      out[path === "" ? "(value)" : path] = createHmac("sha256", key).update(canonical(unwrapSecrets(v.value))).digest("hex").slice(0, 16);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
    } else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        const simple = /^[A-Za-z_$][\w$-]*$/.test(k);
        walk(x, simple ? (path === "" ? k : `${path}.${k}`) : `${path}[${JSON.stringify(k)}]`);
      }
    }
  };
  walk(inputs, "");
  return out;
}
