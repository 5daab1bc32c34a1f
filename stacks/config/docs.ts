/**
 * Pulumi.yaml's key declarations and the README's configuration table, generated from the schemas: each
 * key's `.describe()` text, its `.meta({ protects })`, and the keys inside it read from the schema itself, so
 * neither can list a key the schema lacks or miss one it has. `npm run config:docs` rewrites both;
 * docs.test.ts fails when either drifts.
 */
import { stringify } from "yaml";
import type { z } from "zod";
import { configSchema, NAMESPACE, SECRET_KEYS } from "./index";

/** The marks around the generated table in README.md (the policy table's style). */
export const TABLE_START = "<!-- config-table:start -->";
export const TABLE_END = "<!-- config-table:end -->";

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema under its wrappers (default, prefault, optional, pipe...). */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else return s;
  }
}

/** The object shapes a schema takes: one, or one per option of a union. */
function shapesOf(schema: z.ZodType): Record<string, z.ZodType>[] {
  const def = defOf(unwrap(schema));
  if (def.type === "object" && def.shape) return [def.shape];
  if (def.type === "union" && def.options) return def.options.flatMap(shapesOf);
  return [];
}

/**
 * The keys inside an area, as dotted paths two levels deep (`hsts.preload`); deeper levels are summarised
 * as `rateLimits.signup.*`. A key only one union option takes is listed once.
 */
export function keysOf(schema: z.ZodType, depth = 2): string[] {
  const keys: string[] = [];
  for (const shape of shapesOf(schema)) {
    for (const [name, child] of Object.entries(shape)) {
      if (defOf(unwrap(child)).type === "never") continue;
      const inner = shapesOf(child).length > 0 ? (depth > 1 ? keysOf(child, depth - 1).map((k) => `${name}.${k}`) : [`${name}.*`]) : [name];
      for (const k of inner) if (!keys.includes(k)) keys.push(k);
    }
  }
  return keys;
}

interface KeyDoc {
  key: string;
  description: string;
  protects: string;
  keys: string[];
}

function docOf(key: string, schema: z.ZodType): KeyDoc {
  const meta = (schema.meta() ?? {}) as { description?: string; protects?: string };
  if (!meta.description) throw new Error(`${NAMESPACE}:${key} has no description: add .describe() to its schema in stacks/config/index.ts`);
  if (!meta.protects) throw new Error(`${NAMESPACE}:${key} has no .meta({ protects }) in stacks/config/index.ts`);
  return { key, description: meta.description, protects: meta.protects, keys: keysOf(schema) };
}

export function configDocs(): KeyDoc[] {
  return Object.entries(configSchema.shape).map(([key, schema]) => docOf(key, schema as z.ZodType));
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The README's configuration table (between {@link TABLE_START} and {@link TABLE_END}). */
export function configTable(): string {
  const rows = configDocs().map(
    (d) => `| \`${d.key}\` | ${d.keys.length > 0 ? d.keys.map((k) => `\`${k}\``).join(", ") : "—"} | ${cell(d.description)} | ${cell(d.protects)} |`,
  );
  const secrets = Object.entries(SECRET_KEYS).map(([key, spec]) => `| \`${key}\` | — | ${cell(spec.description)} | — |`);
  return ["| key | keys inside | what | protects against |", "|---|---|---|---|", ...rows, ...secrets].join("\n");
}

/**
 * Pulumi.yaml's `config:` block. Scalars are typed; structured keys carry only their description (Pulumi
 * types scalars and arrays only, https://github.com/pulumi/pulumi/issues/11321). Only the secrets every
 * stack needs are declared: a declared key without a default is assumed to be required by Pulumi, so the
 * optional secrets stay undeclared (they are documented in the README).
 */
export function pulumiConfigBlock(): string {
  const config: Record<string, Record<string, unknown>> = {};
  for (const d of configDocs()) {
    const scalar = defOf(unwrap(configSchema.shape[d.key as keyof typeof configSchema.shape] as z.ZodType)).type === "enum";
    config[`${NAMESPACE}:${d.key}`] = {
      ...(scalar ? { type: "string" } : {}),
      description: d.keys.length > 0 ? `${d.description} Keys: ${d.keys.join(", ")}.` : d.description,
    };
  }
  for (const [key, spec] of Object.entries(SECRET_KEYS)) {
    if (spec.required) config[`${NAMESPACE}:${key}`] = { type: "string", secret: true, description: spec.description };
  }
  return stringify({ config }, { lineWidth: 0 });
}

/** Replaces the `config:` block (to the end of the file) of a Pulumi.yaml text. */
export function withConfigBlock(pulumiYaml: string): string {
  const at = pulumiYaml.search(/^config:/m);
  if (at < 0) throw new Error("Pulumi.yaml has no config: block to replace");
  return pulumiYaml.slice(0, at) + pulumiConfigBlock();
}

/** Replaces the table between the README's marks. */
export function withConfigTable(readme: string): string {
  const re = new RegExp(`${TABLE_START}[\\s\\S]*?${TABLE_END}`);
  if (!re.test(readme)) throw new Error(`README.md has no ${TABLE_START} ... ${TABLE_END} marks`);
  return readme.replace(re, () => `${TABLE_START}\n${configTable()}\n${TABLE_END}`);
}
