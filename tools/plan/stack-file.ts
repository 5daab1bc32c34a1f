/**
 * Reads a `Pulumi.<stack>.yaml` (or any file of that format) into the config map the Pulumi runtime
 * would receive, without the passphrase: ciphertext (`secure:`) values stay unreadable and are passed
 * as "[secret]" on keys marked secret. https://www.pulumi.com/docs/iac/concepts/config/
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { SECRET_PLACEHOLDER } from "./values";

export interface StackConfig {
  /** Full keys (`renfort:edge`) to values: scalars as text, structured values as objects. */
  config: Record<string, unknown>;
  /** Keys holding a secret anywhere in their value. */
  secretKeys: string[];
}

export class StackFileError extends Error {}

function isSecure(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;
}

/** Replaces `{ secure: ... }` leaves with the placeholder; says whether it found any. */
function stripSecure(v: unknown): { value: unknown; secret: boolean } {
  if (isSecure(v)) return { value: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(v)) {
    const items = v.map(stripSecure);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).map(([k, x]) => [k, stripSecure(x)] as const);
    return { value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])), secret: entries.some(([, x]) => x.secret) };
  }
  return { value: v, secret: false };
}

/** Parses stack-file text; `source` names the file in errors. */
export function parseStackFile(text: string, source: string): StackConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new StackFileError(`${source} is not valid YAML: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new StackFileError(`${source} must be a YAML map with a top-level "config:" key`);
  }
  const raw = (doc as Record<string, unknown>).config ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new StackFileError(`${source}: "config:" must be a map of <namespace>:<key> to values`);
  }
  const config: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/.test(key)) {
      throw new StackFileError(`${source}: config key "${key}" must be written <namespace>:<key>, e.g. renfort:fleet`);
    }
    const { value: plain, secret } = stripSecure(value);
    // The engine hands scalars to programs as text, structured values as JSON.
    config[key] = typeof plain === "object" && plain !== null ? plain : String(plain);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
}

export function readStackFile(path: string): StackConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new StackFileError(`cannot read the stack file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseStackFile(text, path);
}
