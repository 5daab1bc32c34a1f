/**
 * Scaffolding shared by the infra tests: the committed stack files as the program receives them
 * (`committedRaw`, `committedStack`), a program evaluated with one of them (`evaluateStack`), the problems a
 * raw config is refused with (`configProblems`), modified copies of a stack file for the plan's end-to-end
 * tests (`stackFileWith`), the stack's explicit providers (`withProviders`) and a stand-in for the origin's
 * IPs (`originIpsStandIn`). Test-only: nothing in the program imports this module.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import { ConfigError, type RenfortConfig } from "../../stacks/config";
import { parseStackConfig } from "../../stacks/wiring";
import { createProviders } from "../../stacks/platform";
import { evaluateProgram, type EvaluateOptions, type ProgramRun } from "./harness";
import { readStackFile, type StackConfig } from "./stack-file";
import { scratchDir } from "../../testing/scratch";

export type StackName = "staging" | "prod";

/** The repository root, where the committed `Pulumi.<stack>.yaml` files are. */
const ROOT = join(__dirname, "..", "..");

/** The project's config namespace: `renfort:fleet` in a stack file is `fleet` in the parsed config. */
const NAMESPACE = "renfort:";

/** The path of a committed stack file. */
export function stackFilePath(stack: string): string {
  return join(ROOT, `Pulumi.${stack}.yaml`);
}

/** The `renfort:` keys of a stack config with the namespace stripped: the raw object `parseStackConfig` takes. */
function stripNamespace(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => k.startsWith(NAMESPACE))
      .map(([k, v]) => [k.slice(NAMESPACE.length), structuredClone(v)]),
  );
}

/**
 * The raw `renfort:` config of a committed stack file, namespace stripped, as the program hands it to
 * `parseStackConfig`. A fresh deep copy on every call, so a test may edit it.
 */
export function committedRaw(stack: StackName): Record<string, unknown> {
  return stripNamespace(readStackFile(stackFilePath(stack)).config);
}

export interface CommittedStack {
  stack: StackName;
  /** What `evaluateProgram` takes: full keys (`renfort:edge`) to values, and the keys holding a secret. */
  file: StackConfig;
  /** The `renfort:` keys, namespace stripped (a copy: editing it changes neither `file` nor `config`). */
  raw: Record<string, unknown>;
  /** The parsed config, as stacks/index.ts builds the platform from it. */
  config: RenfortConfig;
}

/**
 * A committed stack, read and parsed. `edit` changes the raw `renfort:` config before it is parsed, and
 * `file.config` carries the same change, so the program under test and the config it was built from agree.
 * Throws the ConfigError of `parseStackConfig` when the (edited) config is refused.
 */
export function committedStack(stack: StackName, edit?: (raw: Record<string, unknown>) => void): CommittedStack {
  const read = readStackFile(stackFilePath(stack));
  const edited = stripNamespace(read.config);
  edit?.(edited);
  const file: StackConfig = {
    config: Object.fromEntries([
      ...Object.entries(read.config).filter(([k]) => !k.startsWith(NAMESPACE)),
      ...Object.entries(edited).map(([k, v]) => [`${NAMESPACE}${k}`, v] as const),
    ]),
    secretKeys: read.secretKeys,
  };
  return { stack, file, raw: structuredClone(edited), config: parseStackConfig(edited) };
}

/**
 * Evaluates `program` under the platform mocks (tools/plan/harness.ts) with a committed stack's name,
 * config and secret keys, as `pulumi up` would run it, or `pulumi preview` with `preview: true`.
 */
export function evaluateStack(committed: CommittedStack, program: EvaluateOptions["program"], options: { preview?: boolean } = {}): Promise<ProgramRun> {
  return evaluateProgram({
    stack: committed.stack,
    config: committed.file.config,
    secretKeys: committed.file.secretKeys,
    preview: options.preview,
    program,
  });
}

/** The problems `parseStackConfig` refuses `raw` with (its ConfigError's list), or [] when it accepts it. */
export function configProblems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

let scratch: string | undefined;

/**
 * A copy of a committed stack file with the first match of `from` replaced by `to`, written to a temporary
 * directory; returns its path (for `--config-file`). Throws when `from` is not in the file, so a stale
 * pattern cannot silently test the unmodified stack.
 */
export function stackFileWith(stack: string, from: RegExp, to: string): string {
  const text = readFileSync(stackFilePath(stack), "utf8");
  if (!from.test(text)) throw new Error(`${from} not found in Pulumi.${stack}.yaml`);
  scratch ??= scratchDir("renfort-stack-file-");
  const path = join(scratch, `${stack}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text.replace(from, to));
  return path;
}

type Providers = ReturnType<typeof createProviders>;

/**
 * The stack's explicit providers, created by stacks/platform.ts's `createProviders` (same names and
 * pinning as the real program), as the `opts` a component or a `create*` function takes. Call it inside
 * an `evaluateProgram` program: providers are resources. `const [scw, cf] = opts.providers` names them.
 */
export function withProviders(cfg: RenfortConfig): { providers: [Providers["scaleway"], Providers["cloudflare"]] } {
  const { scaleway, cloudflare } = createProviders(cfg);
  return { providers: [scaleway, cloudflare] };
}

/**
 * A stand-in for the Origin component's `ipAddresses`, for tests of what consumes them (the edge): two
 * load-balancer IPs in the stack's zone, so their addresses are computed outputs (unknown in a preview)
 * as the real ones are. Call it inside an `evaluateProgram` program.
 */
export function originIpsStandIn(cfg: RenfortConfig, opts: ReturnType<typeof withProviders>): pulumi.Output<string[]> {
  const [provider] = opts.providers;
  const ips = ["primary", "secondary"].map((k) => new scaleway.loadbalancers.Ip(`origin-ip-${k}`, { zone: cfg.scaleway.zone }, { provider }));
  return pulumi.all(ips.map((i) => i.ipAddress));
}
