/**
 * Human views of a plan: the terminal inventory grouped by component, and the Markdown report.
 */
import type { JsonValue, PlanJson, PlanJsonResource, PlanJsonViolation } from "./plan-json";
import { describeRelease, fleetReleases } from "./diff-fleet";

export interface ComponentGroup {
  /** The top-level component (or "providers" / "other"). */
  title: string;
  resources: PlanJsonResource[];
}

const PROVIDER_PREFIX = "pulumi:providers:";

/** Groups resources under their top-level component, in plan order; components first, providers last. */
export function groupByComponent(plan: PlanJson): ComponentGroup[] {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const root = (r: PlanJsonResource): PlanJsonResource => {
    let cur = r;
    while (cur.parent && byUrn.has(cur.parent)) cur = byUrn.get(cur.parent)!;
    return cur;
  };
  const groups = new Map<string, ComponentGroup>();
  const providers: PlanJsonResource[] = [];
  for (const r of plan.resources) {
    if (r.type.startsWith(PROVIDER_PREFIX)) {
      providers.push(r);
      continue;
    }
    const top = root(r);
    if (top === r && plan.resources.some((x) => x.parent === r.urn)) {
      if (!groups.has(r.urn)) groups.set(r.urn, { title: `${r.type} ${r.name}`, resources: [] });
      continue;
    }
    const key = top.urn;
    if (!groups.has(key)) groups.set(key, { title: top === r ? "other" : `${top.type} ${top.name}`, resources: [] });
    groups.get(key)!.resources.push(r);
  }
  const sorted = [...groups.values()].sort((a, b) => a.title.localeCompare(b.title));
  return providers.length > 0 ? [...sorted, { title: "providers", resources: providers }] : sorted;
}

function violationLine(v: PlanJsonViolation): string {
  const tag = v.undecided ? `${v.level}, undecided` : v.level;
  return `[${tag}] ${v.policy}${v.urn ? ` on ${v.urn.split("::").pop()}` : ""}: ${v.message}`;
}

type Json = Record<string, JsonValue>;

function isObject(v: JsonValue | undefined): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Where the per-instance figure comes from (tools/plan/plan.ts, stacks/config/origin.ts capacityProvenance). */
function provenanceLines(p: JsonValue | undefined): string[] {
  if (!isObject(p)) return [];
  if (p.status === "measured") return [`  per-instance figure measured ${p.measuredAt} (${p.measurementSource})`];
  if (p.status === "unmeasured") return ["  per-instance figure UNMEASURED: no load campaign recorded it (measuredAt/measurementSource)"];
  const state = p.status === "waived" ? "waived" : "waiver EXPIRED";
  return [`  per-instance figure UNMEASURED, ${state} until ${p.until}: ${p.reason}`];
}

/** One line for the capacity model's verdict (components/fleet/capacity.ts), plus its reasons. */
export function capacityLines(verdict: JsonValue | undefined): string[] {
  if (!isObject(verdict)) return [];
  const budget = isObject(verdict.connectionBudget) ? verdict.connectionBudget : {};
  const head =
    `Capacity: ${verdict.ok ? "ok" : "NOT OK"}: target ${verdict.target}/s x headroom ${verdict.headroom} = ${verdict.requiredCapacity}/s; ` +
    `${verdict.perInstance}/s per instance -> ${verdict.minInstances} instances at least (floor ${verdict.floorInstances}, max ${verdict.maxInstances}); ` +
    `database connections ${budget.used ?? "?"} of ${budget.available ?? "unknown"}`;
  const reasons = Array.isArray(verdict.reasons) ? verdict.reasons.map((r) => `  - ${String(r)}`) : [];
  return [head, ...provenanceLines(verdict.provenance), ...reasons];
}

/** One line for the email-authentication verdict (tools/plan/email/validate.ts), plus what is not ok. */
export function emailLines(verdict: JsonValue | undefined): string[] {
  if (!isObject(verdict)) return [];
  const checks = (Array.isArray(verdict.checks) ? verdict.checks : []).filter(isObject);
  const notOk = checks.filter((c) => c.ok === false);
  const spf = isObject(verdict.spf) ? `, SPF worst case ${verdict.spf.lookups}/${verdict.spf.limit} lookups` : "";
  return [
    `Email authentication (${verdict.domain}): ${verdict.ok ? "ok" : "NOT OK"}, ${checks.length} checks${spf}`,
    ...notOk.map((c) => `  - [${c.level}] ${c.message}`),
  ];
}

/** The SMTP relay the fleet connects to (host and port are not secret; the credentials stay in the secret SMTP URL). */
export function smtpRelayLines(outputs: Record<string, JsonValue> | undefined): string[] {
  const email = outputs?.email;
  const relay = isObject(email) ? email.smtpRelay : undefined;
  if (!isObject(relay)) return [];
  const gateway = relay.gatewaySmtpRequired === true ? "the Public Gateway has SMTP enabled for it" : "a port the Public Gateway lets through with SMTP blocked";
  return [`SMTP relay: ${String(relay.host)}:${String(relay.port)} (STARTTLS; ${gateway})`];
}

/** The stack file's placeholders: the plan evaluates them, `pulumi up` refuses them until replaced. */
export function placeholderLines(plan: PlanJson): string[] {
  const list = plan.placeholders ?? [];
  if (!list.length) return [];
  return [`Placeholders (${list.length}): pulumi up refuses this stack until they are replaced`, ...list.map((p) => `  - ${p.key} = ${JSON.stringify(p.value)}: ${p.why}`)];
}

/** The inventory printed on the terminal. */
export function renderInventory(plan: PlanJson): string {
  const lines = [`Stack ${plan.stack} (${plan.project}): ${plan.resources.length} resources`];
  for (const g of groupByComponent(plan)) {
    lines.push("", `${g.title} (${g.resources.length})`);
    const width = Math.max(...g.resources.map((r) => r.type.length));
    for (const r of g.resources) {
      lines.push(`  ${r.type.padEnd(width)}  ${r.name}${r.protect ? "  [protected]" : ""}`);
    }
  }
  lines.push("", ...fleetReleases(plan).map((r) => `Fleet: ${describeRelease(r)}`), ...capacityLines(plan.capacity), ...emailLines(plan.email), ...smtpRelayLines(plan.outputs), ...placeholderLines(plan));
  if (plan.violations.length === 0) lines.push("Policies: no violation");
  else lines.push(`Policies: ${plan.violations.length} finding(s)`, ...plan.violations.map((v) => `  ${violationLine(v)}`));
  return lines.join("\n");
}

function code(v: unknown): string {
  return "`" + String(v).replace(/`/g, "'") + "`";
}

/** The same plan, for humans reading Markdown (a CI artifact or a pull-request comment). */
export function renderMarkdown(plan: PlanJson): string {
  const out = [`# Offline plan: ${plan.stack}`, "", `${plan.resources.length} resources. Secrets are shown as \`[secret]\`.`, ""];
  out.push("## Policies", "");
  if (plan.violations.length === 0) out.push("No violation.");
  else {
    out.push("| level | policy | resource | message |", "|---|---|---|---|");
    for (const v of plan.violations) {
      out.push(`| ${v.undecided ? `${v.level} (undecided)` : v.level} | ${code(v.policy)} | ${v.urn ? code(v.urn.split("::").pop()) : ""} | ${v.message.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`);
    }
  }
  if (plan.capacity !== undefined) {
    out.push("", "## Capacity", "", ...capacityLines(plan.capacity), "", "<details><summary>Model</summary>", "", "```json", JSON.stringify(plan.capacity, null, 2), "```", "", "</details>");
  }
  if (plan.email !== undefined) {
    out.push("", "## Email authentication", "", ...emailLines(plan.email), ...smtpRelayLines(plan.outputs), "", "<details><summary>Checks</summary>", "", "```json", JSON.stringify(plan.email, null, 2), "```", "", "</details>");
  }
  const placeholders = placeholderLines(plan);
  if (placeholders.length) out.push("", "## Placeholders", "", ...placeholders);
  out.push("", "## Resources");
  for (const g of groupByComponent(plan)) {
    out.push("", `### ${g.title} (${g.resources.length})`, "", "| name | type | protected |", "|---|---|---|");
    for (const r of g.resources) out.push(`| ${code(r.name)} | ${code(r.type)} | ${r.protect ? "yes" : ""} |`);
    out.push("", "<details><summary>Inputs</summary>", "", "```json", JSON.stringify(Object.fromEntries(g.resources.map((r) => [r.name, r.inputs])), null, 2), "```", "", "</details>");
  }
  out.push("", "## Outputs", "", "```json", JSON.stringify(plan.outputs, null, 2), "```", "");
  return out.join("\n");
}
