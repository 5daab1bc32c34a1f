/**
 * The engine's wire encoding of special values, and the two ways the plan shows them.
 * See https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/runtime/rpc.ts (specialSigKey, unknownValue).
 */
import { specialSecretSig, specialSigKey, unknownValue } from "../../adapters/pulumi-runtime";

/** What a secret is shown as, everywhere the plan writes: terminal, JSON, Markdown, diffs. */
export const SECRET_PLACEHOLDER = "[secret]";
/** The string the engine sends for a value only known after deployment (preview). */
export const UNKNOWN = unknownValue;

export interface WireSecret {
  [specialSigKey]: typeof specialSecretSig;
  value: unknown;
}

export function isSecret(value: unknown): value is WireSecret {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}

export function isUnknown(value: unknown): boolean {
  return value === unknownValue;
}

/** Deep copy with every secret replaced by {@link SECRET_PLACEHOLDER}: the form that may be printed or stored. */
export function redactSecrets(value: unknown): unknown {
  if (isSecret(value)) return SECRET_PLACEHOLDER;
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
  }
  return value;
}

/** Deep copy with every secret replaced by its plain value: what CrossGuard policies see (they run inside the engine). */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Wraps a value the way the engine marks a secret, for mocks that must return secret outputs. */
export function wireSecret(value: unknown): WireSecret {
  return { [specialSigKey]: specialSecretSig, value } as WireSecret;
}
