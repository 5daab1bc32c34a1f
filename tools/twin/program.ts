/**
 * Evaluates the real program for a stack exactly as the offline plan does (tools/plan/plan.ts: the stack
 * file, `loadStackConfig`, `buildPlatform`, the platform mocks), with one difference: the stack's secrets
 * are Pulumi ciphertext the twin cannot read, so each secret key gets a fresh random value for this twin
 * (an admin token the app accepts, keys nobody else holds). The program then renders them where it
 * renders the real ones (the cloud-init, the roles' passwords), and the twin reads them back from there.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { loadStackConfig } from "../../stacks/load";
import { buildPlatform } from "../../stacks/platform";
import type { RenfortConfig } from "../../stacks/config";
import { evaluateProgram, type ProgramRun } from "../plan/harness";
import { readStackFile } from "../plan/stack-file";
import { readTopology, type Topology } from "./topology";

export const REPO_ROOT = join(__dirname, "..", "..");

export interface TwinProgram {
  run: ProgramRun;
  config: RenfortConfig;
  topology: Topology;
}

/** Runs the program of `stack` (or `configFile`, same format as Pulumi.<stack>.yaml) and reads its topology. */
export async function evaluateTwinProgram(options: { stack: string; configFile?: string }): Promise<TwinProgram> {
  const file = readStackFile(options.configFile ?? join(REPO_ROOT, `Pulumi.${options.stack}.yaml`));
  const config = { ...file.config };
  for (const key of file.secretKeys) {
    // Only top-level scalar secrets exist in the schema (stacks/config SECRET_KEYS); a structured secret keeps its placeholder.
    if (typeof config[key] === "string") config[key] = randomBytes(32).toString("hex");
  }
  let parsed: RenfortConfig | undefined;
  const run = await evaluateProgram({
    stack: options.stack,
    config,
    secretKeys: file.secretKeys,
    program: () => {
      const loaded = loadStackConfig();
      parsed = loaded.config;
      return buildPlatform(loaded.config, loaded.secrets);
    },
  });
  if (!parsed) throw new Error("the program returned without reading its config");
  return { run, config: parsed, topology: readTopology(run.resources) };
}
