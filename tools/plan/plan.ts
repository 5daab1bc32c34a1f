/**
 * The offline plan: evaluates the real program for a stack with mocked providers, runs the policy gate
 * over what it declares, and returns the Plan JSON document (secrets redacted).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runGate, type GateResource, type GateViolation } from "../../policies/gate";
import { loadStackConfig } from "../../stacks/load";
import { buildPlatform } from "../../stacks/platform";
import { placeholdersIn, type Placeholder } from "../../data/placeholders";
import { emailVerdict } from "./email/verdict";
import { evaluateProgram, type ProgramRun } from "./harness";
import { SECRET_FINGERPRINT_KEY_ENV, secretFingerprints, type JsonValue, type PlanJson } from "./plan-json";
import { readStackFile } from "./stack-file";
import { redactSecrets, unwrapSecrets } from "./values";
import { capacityProvenance, type CapacityProvenance } from "../../stacks/config/origin";

export const REPO_ROOT = join(__dirname, "..", "..");

/** The name under which config posture problems are reported among the policy violations. */
export const CONFIG_POLICY = "stack-config";

export interface PlanOptions {
  stack: string;
  /** Stack file to read instead of `Pulumi.<stack>.yaml`. */
  configFile?: string;
  /** Evaluate as a preview, where computed outputs are unknown (policies may then be undecided). */
  preview?: boolean;
  /** The clock dated waivers in the stack file are checked against; now by default. */
  now?: Date;
}

export interface PlanResult {
  plan: PlanJson;
  run: ProgramRun;
  tier: "staging" | "prod";
  /** Violations that fail the gate: mandatory ones, and in prod the mandatory ones that could not decide. */
  blocking: GateViolation[];
}

/** Runs the program of the repository at REPO_ROOT for a stack. Throws ConfigError / StackFileError. */
export async function planStack(options: PlanOptions): Promise<PlanResult> {
  const stackFile = options.configFile ?? join(REPO_ROOT, `Pulumi.${options.stack}.yaml`);
  const { config, secretKeys } = readStackFile(stackFile);
  const now = options.now ?? new Date();
  const seen: { tier?: "staging" | "prod"; zone?: string; posture: string[]; placeholders: Placeholder[]; provenance?: CapacityProvenance } = { posture: [], placeholders: [] };
  const run = await evaluateProgram({
    stack: options.stack,
    config,
    secretKeys,
    preview: options.preview ?? false,
    program: () => {
      const loaded = loadStackConfig({ posture: "report", now });
      seen.tier = loaded.config.tier;
      seen.zone = loaded.config.domain.zone;
      // Whether a campaign measured the per-instance figure, or a waiver stands in: shown with the capacity verdict.
      seen.provenance = capacityProvenance(loaded.config.capacity, loaded.config.tier, now).provenance;
      seen.posture = loaded.posture;
      // What stacks/index.ts refuses on `pulumi up`: listed here, and the plan still evaluates the stack.
      seen.placeholders = placeholdersIn(loaded.config);
      return buildPlatform(loaded.config, loaded.secrets);
    },
  });

  const tier = seen.tier ?? "prod";
  const gateResources: GateResource[] = run.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: unwrapSecrets(r.inputs) as Record<string, unknown>,
    protect: r.protect,
    ...(r.parent ? { parent: r.parent } : {}),
    dependencies: r.dependsOn,
    ...(r.provider ? { provider: r.provider } : {}),
  }));
  const packConfig = JSON.parse(readFileSync(join(REPO_ROOT, "policies", "config", `${policyConfigName(options.stack, tier)}.json`), "utf8"));
  // Posture problems the config itself refuses (the program would not run with them) block the plan too,
  // alongside the policies that see their effect on the resources.
  const violations: GateViolation[] = [
    ...seen.posture.map((message) => ({ policy: CONFIG_POLICY, level: "mandatory" as const, message, undecided: false })),
    ...(await runGate(gateResources, packConfig, { tier })),
  ];
  const blocking = violations.filter((v) => v.level === "mandatory" && (!v.undecided || tier === "prod"));

  const fingerprintKey = process.env[SECRET_FINGERPRINT_KEY_ENV];
  const outputs = redactSecrets(run.outputs) as Record<string, JsonValue>;
  // The email-authentication verdict is the plan's, over the records the Email component exports.
  const email = await emailVerdict(outputs.email, { tier, ...(seen.zone ? { zone: seen.zone } : {}) });
  const plan: PlanJson = {
    stack: run.stack,
    project: run.project,
    resources: run.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      ...(r.parent ? { parent: r.parent } : {}),
      inputs: redactSecrets(r.inputs) as Record<string, JsonValue>,
      protect: r.protect,
      dependsOn: r.dependsOn,
      ...(fingerprintKey ? { secretFingerprints: secretFingerprints(r.inputs, fingerprintKey) } : {}),
    })),
    outputs,
    ...(outputs.capacity !== undefined ? { capacity: withProvenance(outputs.capacity, seen.provenance) } : {}),
    ...(email ? { email: email as unknown as JsonValue } : {}),
    ...(seen.placeholders.length ? { placeholders: seen.placeholders.map((p) => ({ ...p })) } : {}),
    violations: violations.map((v) => ({ ...v })),
  };
  return { plan, run, tier, blocking };
}

/** The capacity verdict with the provenance of its per-instance figure (measured, unmeasured, waived). */
function withProvenance(verdict: JsonValue, provenance: CapacityProvenance | undefined): JsonValue {
  if (!provenance || typeof verdict !== "object" || verdict === null || Array.isArray(verdict)) return verdict;
  return { ...verdict, provenance: { ...provenance } };
}

/** The policy config of a stack: its own file when there is one, else the one of its tier. */
function policyConfigName(stack: string, tier: string): string {
  try {
    readFileSync(join(REPO_ROOT, "policies", "config", `${stack}.json`));
    return stack;
  } catch {
    return tier;
  }
}
