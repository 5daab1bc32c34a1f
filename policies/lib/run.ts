/**
 * Runs policies outside the CLI, over resources described the way the offline plan describes them.
 * It builds the same arguments the policy server builds (props behind the unknown-checking proxy,
 * `notApplicable` that throws, `getConfig` with the stack's config for the policy) so a policy behaves
 * the same here and under `pulumi preview --policy-pack`.
 */
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";
import type { RenfortResourcePolicy, RenfortStackPolicy } from "./policy";
import { isUndecided, withUnknownChecks } from "./unknown";

/** One resource of the plan: inputs with secrets unwrapped and unknowns as the UNKNOWN sentinel. */
export interface GateResource {
  urn: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  protect: boolean;
  parent?: string;
  dependencies: string[];
  /** Provider reference `<provider urn>::<id>` (or just the urn). */
  provider?: string;
}

export interface Outcome {
  message: string;
  urn?: string;
  undecided: boolean;
}

class NotApplicable extends Error {}

/**
 * Props as plain JSON objects of this realm. The SDK's proxy only wraps `instanceof Object` values, so
 * objects made in another realm (structuredClone under jest, for example) would bypass the unknown checks.
 */
const plain = new WeakMap<object, Record<string, unknown>>();
function plainProps(r: GateResource): Record<string, unknown> {
  let p = plain.get(r.props);
  if (!p) {
    p = JSON.parse(JSON.stringify(r.props ?? {})) as Record<string, unknown>;
    plain.set(r.props, p);
  }
  return p;
}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "not applicable");
}

function options(r: GateResource): PolicyResourceOptions {
  return {
    protect: r.protect,
    ignoreChanges: [],
    aliases: [],
    additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    parent: r.parent,
  };
}

function providerOf(r: GateResource, byUrn: Map<string, GateResource>) {
  if (!r.provider) return undefined;
  const urn = r.provider.split("::").length > 4 ? r.provider.replace(/::[^:]*$/, "") : r.provider;
  const p = byUrn.get(urn) ?? byUrn.get(r.provider);
  return p ? { type: p.type, props: withUnknownChecks(plainProps(p)), urn: p.urn, name: p.name } : undefined;
}

const typeMatcher = (type: string) => (cls: { new (...rest: never[]): unknown }) =>
  (cls as unknown as { __pulumiType?: string }).__pulumiType === type;

/** What the policy server shows of a resource to both kinds of policy: props behind the unknown-checking proxy. */
function resourceView(r: GateResource, byUrn: Map<string, GateResource>) {
  const props = withUnknownChecks(plainProps(r));
  const isType = typeMatcher(r.type);
  return {
    type: r.type,
    props,
    urn: r.urn,
    name: r.name,
    opts: options(r),
    provider: providerOf(r, byUrn),
    isType,
    /** The SDK types `asType` differently for resource and stack policies; callers cast it to theirs. */
    asType: (cls: { new (...rest: never[]): unknown }) => (isType(cls) ? props : undefined),
  };
}

export async function runResourcePolicy(
  policy: RenfortResourcePolicy<object>,
  r: GateResource,
  config: object,
  byUrn: Map<string, GateResource> = new Map([[r.urn, r]]),
): Promise<Outcome[] | "not-applicable"> {
  const out: Outcome[] = [];
  const validations = ([] as ResourceValidation[]).concat(policy.validateResource ?? []);
  for (const validate of validations) {
    const view = resourceView(r, byUrn);
    const args: ResourceValidationArgs = {
      ...view,
      asType: view.asType as ResourceValidationArgs["asType"],
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable,
    };
    try {
      await validate(args, (message, urn) => out.push({ message, urn: urn ?? r.urn, undecided: false }));
    } catch (e) {
      if (e instanceof NotApplicable) return "not-applicable";
      if (isUndecided(e)) out.push({ message: e.message, urn: r.urn, undecided: true });
      else throw e;
    }
  }
  return out;
}

/** Builds `PolicyResource`s with parents and dependencies resolved, like the policy server does. */
export function toPolicyResources(resources: GateResource[]): PolicyResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const built = new Map<string, PolicyResource>();
  for (const r of resources) {
    const view = resourceView(r, byUrn);
    built.set(r.urn, { ...view, asType: view.asType as PolicyResource["asType"], dependencies: [], propertyDependencies: {} });
  }
  for (const r of resources) {
    const p = built.get(r.urn)!;
    if (r.parent && built.has(r.parent)) p.parent = built.get(r.parent);
    p.dependencies = r.dependencies.map((u) => built.get(u)).filter((x): x is PolicyResource => !!x);
  }
  return [...built.values()];
}

export async function runStackPolicy(
  policy: RenfortStackPolicy<object>,
  resources: GateResource[],
  config: object,
): Promise<Outcome[] | "not-applicable"> {
  const out: Outcome[] = [];
  const args: StackValidationArgs = {
    resources: toPolicyResources(resources),
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  try {
    await policy.validateStack(args, (message, urn) => out.push({ message, urn, undecided: false }));
  } catch (e) {
    if (e instanceof NotApplicable) return "not-applicable";
    if (isUndecided(e)) out.push({ message: e.message, undecided: true });
    else throw e;
  }
  return out;
}
