/**
 * The credential-free gate: every policy of the pack over the resources of an offline plan, with the
 * stack's policy-pack config (`config/<stack>.json`, the format `pulumi preview --policy-pack-config`
 * reads). It never imports index.ts (which starts the policy gRPC server).
 *
 * Undecided results (a value only known after deployment) come back as violations with
 * `undecided: true`. Their level follows the tier: in prod a mandatory policy that cannot decide keeps
 * the level "mandatory" and fails the gate; in staging it is reported as "advisory", which is what the
 * Pulumi CLI does for every unknown.
 */
import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";
import { policies as allPolicies } from "./rules";
import type { RenfortPolicy } from "./lib/policy";
import { runResourcePolicy, runStackPolicy, type GateResource } from "./lib/run";

export type { GateResource } from "./lib/run";
export type { PolicyPackConfig } from "@pulumi/policy";
export type Tier = "staging" | "prod";

export interface GateViolation {
  policy: string;
  level: "mandatory" | "advisory";
  urn?: string;
  message: string;
  undecided: boolean;
}

export interface GateOptions {
  tier: Tier;
  /** The policies to run; the whole pack by default (tests pass a subset). */
  policies?: readonly RenfortPolicy[];
}

/** The enforcement level a stack config gives a policy (the pack default is advisory, as in the SDK). */
export function levelOf(packConfig: PolicyPackConfig, policy: string): EnforcementLevel {
  const entry = packConfig[policy];
  if (entry === undefined) return "advisory";
  if (typeof entry === "string") return entry;
  return entry.enforcementLevel ?? "advisory";
}

/** The policy's own config from the stack config (without `enforcementLevel`); defaults applied by the policy. */
export function policyConfigOf(packConfig: PolicyPackConfig, policy: string): Record<string, unknown> {
  const entry = packConfig[policy];
  if (entry === undefined || typeof entry === "string") return {};
  const { enforcementLevel: _level, ...rest } = entry;
  return rest;
}

export async function runGate(
  resources: GateResource[],
  packConfig: PolicyPackConfig,
  opts: GateOptions,
): Promise<GateViolation[]> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const violations: GateViolation[] = [];
  for (const policy of opts.policies ?? allPolicies) {
    const configured = levelOf(packConfig, policy.name);
    if (configured === "disabled") continue;
    // "remediate" policies are validation-only here; a remaining violation counts as mandatory (SDK rule).
    const level: GateViolation["level"] = configured === "advisory" ? "advisory" : "mandatory";
    const config = { ...policy.configOf(() => policyConfigOf(packConfig, policy.name)) } as object;
    const push = (o: { message: string; urn?: string; undecided: boolean }) =>
      violations.push({
        policy: policy.name,
        level: o.undecided && opts.tier !== "prod" ? "advisory" : level,
        ...(o.urn ? { urn: o.urn } : {}),
        message: o.undecided ? `could not decide before deployment: ${o.message}` : o.message,
        undecided: o.undecided,
      });
    if (policy.kind === "resource") {
      for (const r of resources) {
        const outcome = await runResourcePolicy(policy, r, config, byUrn);
        if (outcome !== "not-applicable") outcome.forEach(push);
      }
    } else {
      const outcome = await runStackPolicy(policy, resources, config);
      if (outcome !== "not-applicable") outcome.forEach(push);
    }
  }
  return violations;
}

/** True when the violations must fail the plan (exit 1): any mandatory one, decided or not. */
export function gateFails(violations: readonly GateViolation[]): boolean {
  return violations.some((v) => v.level === "mandatory");
}
