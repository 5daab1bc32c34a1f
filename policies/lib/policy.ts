/**
 * How a Renfort policy is declared. Every policy is a plain `@pulumi/policy` policy object (valid under
 * the real CLI) plus a little metadata the offline gate and the meta-tests read: the resource types it
 * applies to and its config defaults.
 *
 * `getConfig()` returns the stack's policy-pack config for the policy. The CLI fills in `default`s from
 * `configSchema`, but direct calls (tests, the offline gate) do not, so `configOf` merges them here:
 * one source of truth, the schema.
 */
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type {
  PolicyResource,
  PolicyResourceOptions,
  PolicyProviderResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** A JSON schema per config key, each with a default of the key's type. */
export type ConfigSchemaOf<C> = {
  properties: { [K in keyof C]: PolicyConfigJSONSchema & { default: C[K]; description: string } };
};

export interface PolicyMeta<C> {
  /** kebab-case, unique in the pack. */
  name: string;
  /** A full sentence: what the policy guarantees. */
  description: string;
  severity: Severity;
  remediationSteps: string;
  /** Vendor documentation or the reference the check comes from. */
  url: string;
  configSchema: ConfigSchemaOf<C>;
}

export interface ResourceCheck<C> {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  opts: PolicyResourceOptions;
  provider?: PolicyProviderResource;
  config: C;
  report: (message: string) => void;
}

export interface StackCheck<C> {
  resources: PolicyResource[];
  config: C;
  report: (message: string, urn?: string) => void;
  /** Resources whose type is one of `types`. */
  ofType: (types: readonly string[]) => PolicyResource[];
}

export type RenfortResourcePolicy<C = object> = ResourceValidationPolicy & {
  kind: "resource";
  appliesTo: readonly string[];
  configSchema: ConfigSchemaOf<C>;
  configOf: (getConfig: () => object) => C;
};

export type RenfortStackPolicy<C = object> = StackValidationPolicy & {
  kind: "stack";
  configSchema: ConfigSchemaOf<C>;
  configOf: (getConfig: () => object) => C;
};

export type RenfortPolicy = RenfortResourcePolicy<object> | RenfortStackPolicy<object>;

/** Defaults from the schema, overridden by what the stack's config sets (never `enforcementLevel`). */
export function configDefaults<C>(schema: ConfigSchemaOf<C>): C {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema.properties) as [string, { default: unknown }][]) {
    out[k] = JSON.parse(JSON.stringify(v.default));
  }
  return out as C;
}

export function makeConfigOf<C>(schema: ConfigSchemaOf<C>): (getConfig: () => object) => C {
  return (getConfig) => {
    const given = { ...(getConfig() as Record<string, unknown>) };
    delete given.enforcementLevel;
    for (const k of Object.keys(given)) if (given[k] === undefined) delete given[k];
    return { ...configDefaults(schema), ...given } as C;
  };
}

/** `appliesTo` entries are exact type tokens, or prefixes ending with `*` (e.g. `scaleway:*`). */
export function appliesToType(appliesTo: readonly string[], type: string): boolean {
  return appliesTo.some((t) => (t.endsWith("*") ? type.startsWith(t.slice(0, -1)) : t === type));
}

export function resourcePolicy<C>(
  meta: PolicyMeta<C>,
  appliesTo: readonly string[],
  check: (c: ResourceCheck<C>) => void | Promise<void>,
): RenfortResourcePolicy<C> {
  const configOf = makeConfigOf(meta.configSchema);
  const validate = async (args: ResourceValidationArgs, report: ReportViolation): Promise<void> => {
    if (!appliesToType(appliesTo, args.type)) {
      args.notApplicable(`${meta.name} applies to ${appliesTo.join(", ")}`);
    }
    await check({
      type: args.type,
      name: args.name,
      urn: args.urn,
      props: args.props,
      opts: args.opts,
      provider: args.provider,
      config: configOf(() => args.getConfig()),
      report: (m) => report(m),
    });
  };
  return { ...meta, kind: "resource", appliesTo, configOf, validateResource: validate };
}

export function stackPolicy<C>(
  meta: PolicyMeta<C>,
  check: (c: StackCheck<C>) => void | Promise<void>,
): RenfortStackPolicy<C> {
  const configOf = makeConfigOf(meta.configSchema);
  const validateStack = async (args: StackValidationArgs, report: ReportViolation): Promise<void> => {
    await check({
      resources: args.resources,
      config: configOf(() => args.getConfig()),
      report: (m, urn) => report(m, urn),
      ofType: (types) => args.resources.filter((r) => types.includes(r.type)),
    });
  };
  return { ...meta, kind: "stack", configOf, validateStack };
}
