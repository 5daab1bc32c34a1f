/**
 * The origin lock's secret header as the program declared it: the value the edge's request-header transform
 * rule sets (recorded secret) and the twin hands to its edge stand-in (`secrets`) and to the checks (a
 * state-directory file, mode 0600: never the summary, never a log line).
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { PlanResource } from "../plan/harness";
import { isSecret, unwrapSecrets } from "../plan/values";

export interface OriginAuthHeader {
  header: string;
  value: string;
}

const RULESET = "cloudflare:index/ruleset:Ruleset";

/**
 * The header and value of every `set` with a secret static value in the zone's late request-transform
 * entry point (the edge's origin-auth rule). Empty when the program declares none.
 */
export function secretRequestHeaders(resources: readonly PlanResource[]): OriginAuthHeader[] {
  const out: OriginAuthHeader[] = [];
  for (const r of resources) {
    if (r.type !== RULESET || r.inputs.phase !== "http_request_late_transform") continue;
    const rules = (unwrapSecrets(r.inputs.rules) ?? []) as Array<{ actionParameters?: { headers?: Record<string, unknown> } }>;
    const rawRules = (isSecret(r.inputs.rules) ? [] : (r.inputs.rules as Array<{ actionParameters?: { headers?: Record<string, { value?: unknown }> } }>)) ?? [];
    rules.forEach((rule, i) => {
      for (const [name, op] of Object.entries(rule.actionParameters?.headers ?? {})) {
        const o = op as { operation?: string; value?: unknown };
        const raw = rawRules[i]?.actionParameters?.headers?.[name]?.value;
        const secret = isSecret(r.inputs.rules) || isSecret(raw);
        if (o.operation === "set" && secret && typeof o.value === "string") out.push({ header: name.toLowerCase(), value: o.value });
      }
    });
  }
  return out;
}

export function writeOriginAuth(file: string, headers: OriginAuthHeader[]): void {
  writeFileSync(file, JSON.stringify(headers), { mode: 0o600 });
}

export function readOriginAuth(file: string): OriginAuthHeader[] {
  return JSON.parse(readFileSync(file, "utf8")) as OriginAuthHeader[];
}
