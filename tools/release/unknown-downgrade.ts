/**
 * Unknown-downgrade check (docs/policy-catalog.md, "unknown-downgrade").
 *
 * During `pulumi preview`, a policy that reads a value not known until apply throws inside
 * @pulumi/policy's unknown-checking proxy, and the SDK reports "can't run policy '<name>' from policy
 * pack '<pack>' during preview: ..." at level ADVISORY, whatever the configured level
 * (@pulumi/policy server.js). A mandatory policy can therefore pass a preview without having run.
 * This check reads the preview's engine event log (`pulumi preview --event-log <file>`: one JSON
 * EngineEvent per line, policy violations under `policyEvent`, see
 * https://github.com/pulumi/pulumi/blob/master/sdk/go/common/apitype/events.go) and reports every such
 * message for a policy configured `mandatory` in the stack's policy-pack config.
 * (`pulumi preview --json` leaves policy events out, hence the event log.)
 */

export interface PolicyEventLike {
  resourceUrn?: string;
  message: string;
  policyName: string;
  policyPackName?: string;
  enforcementLevel?: string;
}

export interface Downgrade {
  policy: string;
  urn?: string;
  message: string;
}

/** Policy events of an event log (JSON lines); lines that are not events are skipped. */
export function policyEventsFromLog(text: string): PolicyEventLike[] {
  const out: PolicyEventLike[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    let ev: unknown;
    try {
      ev = JSON.parse(t);
    } catch {
      continue; // a truncated last line when the preview was cancelled
    }
    const p = (ev as { policyEvent?: PolicyEventLike }).policyEvent;
    if (p && typeof p.message === "string" && typeof p.policyName === "string") out.push(p);
  }
  return out;
}

type LevelSpec = string | { enforcementLevel?: string } | undefined;

/**
 * Level configured for a policy in a policy-pack config file
 * (https://www.pulumi.com/docs/iac/using-pulumi/crossguard/configuration/): `"<name>": "mandatory"`,
 * `"<name>": { "enforcementLevel": "mandatory", ... }`, or the same under `"all"`. Defaults to advisory.
 */
export function configuredLevel(config: Record<string, unknown>, policy: string): string {
  const level = (spec: LevelSpec) => (typeof spec === "string" ? spec : spec?.enforcementLevel);
  return level(config[policy] as LevelSpec) ?? level(config.all as LevelSpec) ?? "advisory";
}

const CANNOT_RUN = /can't run policy '([^']+)' from policy pack .* during preview/;

/** The mandatory policies that did not run during the preview. */
export function findDowngrades(events: PolicyEventLike[], config: Record<string, unknown>): Downgrade[] {
  const out: Downgrade[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    const m = CANNOT_RUN.exec(e.message);
    if (!m) continue;
    const policy = m[1] ?? e.policyName;
    if (configuredLevel(config, policy) !== "mandatory") continue;
    const key = `${policy}\u0000${e.resourceUrn ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e.resourceUrn ? { policy, urn: e.resourceUrn, message: e.message } : { policy, message: e.message });
  }
  return out;
}

export function formatDowngrades(ds: Downgrade[]): string {
  if (ds.length === 0) return "unknown-downgrade: every mandatory policy ran during the preview.";
  return [
    ...ds.map((d) => `UNDECIDED mandatory policy ${d.policy}${d.urn ? ` on ${d.urn}` : ""}: ${d.message}`),
    "",
    "These mandatory policies could not run because a value is unknown until apply; the SDK downgraded them to advisory.",
    "Make the value known at preview (a literal or config instead of a computed output), or check it in the offline gate (npm run plan).",
  ].join("\n");
}
