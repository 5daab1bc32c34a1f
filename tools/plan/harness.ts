/**
 * Runs a Pulumi program in-process under `pulumi.runtime.setMocks` and records every resource the engine
 * would be asked to register: type, name, parent, inputs as sent on the wire (secrets still marked), and
 * the options a reviewer and a policy care about (protect, dependsOn, provider).
 *
 * The recording sits on the mock monitor's `registerResource`, the same RPC the real engine receives,
 * so what the plan shows is exactly what `pulumi preview` would be sent; `MockResourceArgs` alone
 * would lose the options. https://www.pulumi.com/docs/iac/concepts/testing/unit/
 */
import * as pulumi from "@pulumi/pulumi";
import { runtimeSettings as settings, runtimeState as state } from "../../adapters/pulumi-runtime";
import { platformMocks } from "./mocks";
import { UNKNOWN, wireSecret } from "./values";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the program has stopped talking to the engine: the RPC queue is drained and no new RPC
 * (a component's registerOutputs after its children resolve, a resource whose inputs just resolved)
 * was queued during a turn of the event loop. Returning earlier would let those late RPCs reach the next
 * evaluation's monitor.
 */
async function settle(): Promise<void> {
  for (;;) {
    const before = state.getStore().settings.rpcDone;
    await settings.waitForRPCs();
    // A resource whose inputs failed to serialize never sends its RPC: this turn also lets such a
    // pending rejection surface before the run is declared complete.
    await tick(10);
    if (state.getStore().settings.rpcDone === before) return;
  }
}

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource, when there is one. */
  parent?: string;
  /** false for component resources, which only group children. */
  custom: boolean;
  /** Provider reference (`<provider urn>::<id>`) when an explicit provider is used. */
  provider?: string;
  /** Inputs as serialized for the engine: secrets keep their marker, unknowns are the unknown sentinel. */
  inputs: Record<string, unknown>;
  protect: boolean;
  dependsOn: string[];
}

export interface ProgramRun {
  stack: string;
  project: string;
  resources: PlanResource[];
  /** Stack outputs, resolved; secret outputs keep their marker. */
  outputs: Record<string, unknown>;
}

export interface EvaluateOptions {
  stack: string;
  project?: string;
  /** Full config keys (`renfort:fleet`, `cloudflare:apiToken`) to values; objects are passed as structured config. */
  config?: Record<string, unknown>;
  /** Config keys whose values are secret. */
  secretKeys?: string[];
  /** Run as a preview: outputs of resources are unknown, as in `pulumi preview`. */
  preview?: boolean;
  /** The program; what it returns becomes the stack outputs. */
  program: () => Record<string, unknown> | Promise<Record<string, unknown>> | void;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

interface RegisterResponse {
  getUrn(): string;
}

type Callback = (err: unknown, resp?: RegisterResponse) => void;

interface RecordingMonitor {
  registerResource(req: RegisterRequest, cb: Callback): void;
}

function toConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Resolves an exported value; Outputs keep their secret-ness and unknown-ness. */
async function resolveOutput(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    // `isKnown` is not in the typings but is what the SDK itself reads to tell a preview unknown.
    const [known, secret] = await Promise.all([(output as unknown as { isKnown: Promise<boolean> }).isKnown, pulumi.isSecret(output)]);
    // `promise()` is the SDK's way to await an Output's value outside an apply.
    const resolved = known ? await resolveOutput(await (output as unknown as { promise(): Promise<unknown> }).promise()) : UNKNOWN;
    return secret ? wireSecret(resolved) : resolved;
  }
  if (value instanceof Promise) return resolveOutput(await value);
  if (pulumi.Resource.isInstance(value)) return { urn: await resolveOutput(value.urn) };
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutput));
  if (typeof value === "object" && value !== null) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutput(v)] as const));
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  }
  return value;
}

/**
 * Evaluates `program` under mocks and returns what it declared. Errors the program raises (config errors
 * included) reject the returned promise with the original error.
 */
export async function evaluateProgram(options: EvaluateOptions): Promise<ProgramRun> {
  const project = options.project ?? "renfort";
  const config = Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [k, toConfigString(v)]));
  pulumi.runtime.setAllConfig(config, options.secretKeys ?? []);
  await pulumi.runtime.setMocks(platformMocks({ preview: options.preview }), project, options.stack, options.preview ?? false);

  const recorded: PlanResource[] = [];
  const errors: unknown[] = [];
  const monitor = settings.getMonitor() as RecordingMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    register(req, (err, resp) => {
      if (!err && resp) {
        recorded.push({
          urn: resp.getUrn(),
          type: req.getType(),
          name: req.getName(),
          ...(req.getParent() ? { parent: req.getParent() } : {}),
          custom: req.getCustom(),
          ...(req.getProvider() ? { provider: req.getProvider() } : {}),
          inputs: req.getObject()?.toJavaScript() ?? {},
          protect: req.getProtect(),
          dependsOn: [...req.getDependenciesList()].sort(),
        });
      } else if (err) {
        errors.push(err);
      }
      cb(err, resp);
    });
  };

  // Errors thrown inside `apply` callbacks surface as unhandled rejections in the SDK, and the resources
  // waiting on them never register: fail on the first one instead of waiting for the RPC queue forever.
  let fail: (reason: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const onRejection = (reason: unknown) => {
    errors.push(reason);
    fail(reason);
  };
  process.on("unhandledRejection", onRejection);
  try {
    const evaluate = async () => {
      let returned;
      try {
        returned = (await options.program()) ?? {};
      } catch (e) {
        // Let what the program declared before failing finish talking to this monitor, not the next one.
        await settle();
        throw e;
      }
      const outputs = (await resolveOutput(returned)) as Record<string, unknown>;
      await settle();
      return outputs;
    };
    const outputs = await Promise.race([evaluate(), failed]);
    if (errors.length > 0) throw errors[0];
    recorded.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return { stack: options.stack, project, resources: recorded, outputs };
  } finally {
    process.off("unhandledRejection", onRejection);
    monitor.registerResource = register;
  }
}
