/**
 * Preview-time unknowns.
 *
 * Under the Pulumi CLI, `@pulumi/policy` hands policies a proxy that throws `UnknownValueError` when a
 * policy reads a value that is only known after deployment, and reports "can't run policy ... during
 * preview" instead of a violation (see server.js in @pulumi/policy 1.21). The offline gate gives the
 * same props with unknowns as the string sentinel below. Policies never pass an unknown silently: they
 * either read through the proxy (which throws) or call `undecided()` for values that are computed
 * (for example an empty field that the provider fills in), and both end up as an "undecided" result.
 */

import { policyProxy as sdk } from "../../adapters/pulumi-policy";

const { UnknownValueError } = sdk;

/** The engine's sentinel for an unknown string (also used by the offline harness for every unknown). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const SENTINELS = new Set<unknown>([
  UNKNOWN,
  sdk.unknownStringValue,
  sdk.unknownBooleanValue,
  sdk.unknownNumberValue,
  sdk.unknownArrayValue,
  sdk.unknownAssetValue,
  sdk.unknownArchiveValue,
  sdk.unknownObjectValue,
]);

export function isUnknown(v: unknown): boolean {
  return SENTINELS.has(v);
}

/**
 * Thrown when a policy cannot decide. It extends the SDK's `UnknownValueError`, so under the real CLI
 * the policy server reports it exactly like a native unknown ("can't run policy ... during preview"),
 * and it stays a valid policy (no gRPC error).
 */
export class UndecidedError extends UnknownValueError {
  readonly reason: string;
  constructor(reason: string) {
    super(UNKNOWN, []);
    this.reason = reason;
    this.message = reason;
    this.name = "UndecidedError";
  }
}

export function isUndecided(e: unknown): e is Error {
  return e instanceof UnknownValueError;
}

/** Signal that the policy cannot decide, with the reason (never include secret values). */
export function undecided(reason: string): never {
  throw new UndecidedError(reason);
}

/**
 * Read a value that must be known to decide: an unknown sentinel or `undefined` (a computed value not
 * filled in yet) makes the policy undecided. `path` names the input, e.g. `settings.max_connections`.
 */
export function known<T>(value: T | undefined | null, path: string): T {
  if (value === undefined || value === null || isUnknown(value)) {
    undecided(`${path} is not known before deployment`);
  }
  return value as T;
}

/** Props as the policy server presents them: reading an unknown throws. */
export function withUnknownChecks<T extends object>(props: T): T {
  return sdk.unknownCheckingProxy(props);
}

/** Read an own property without tripping the unknown proxy (for grouping keys, never for decisions). */
export function peek(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== "object") return undefined;
  return Object.getOwnPropertyDescriptor(obj, key)?.value;
}
