/**
 * The campaign report: its JSON shape (a zod schema, so `npm run capacity` can refuse a file that is not
 * one), the pure functions that derive the campaign's outcome and the held figure from the steps, and
 * the Markdown rendering.
 */
import { z } from "zod";

const latencySummary = z
  .object({
    count: z.number().int().nonnegative(),
    min: z.number().nullable(),
    mean: z.number().nullable(),
    p50: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
    max: z.number().nullable(),
  })
  .strict();

const kindReport = z
  .object({
    sent: z.number().int().nonnegative(),
    ok: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    achievedPerSecond: z.number().nonnegative(),
    latencyMs: latencySummary,
    statusCounts: z.record(z.string(), z.number().int().nonnegative()).default({}),
  })
  .strict();

export const stepReportSchema = z
  .object({
    /** The step's signup rate (the campaign's unit). */
    signupsPerSecond: z.number().positive(),
    /** All kinds together, per the mix. */
    offeredRequestsPerSecond: z.number().positive(),
    durationSeconds: z.number().nonnegative(),
    planned: z.number().int().nonnegative(),
    sent: z.number().int().nonnegative(),
    completed: z.number().int().nonnegative(),
    ok: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    errorRate: z.number().min(0).max(1),
    /** Expected answers that arrived by the step's end + the SLO's p99 allowance, per second of the step. */
    achievedRequestsPerSecond: z.number().nonnegative(),
    achievedSignupsPerSecond: z.number().nonnegative(),
    latencyMs: latencySummary,
    /** How late the generator sent requests after their intended time (client health). */
    sendLagMs: latencySummary,
    statusCounts: z.record(z.string(), z.number().int().nonnegative()),
    byKind: z.record(z.string(), kindReport),
    verdict: z
      .object({ result: z.enum(["held", "failed", "interrupted"]), reasons: z.array(z.string()) })
      .strict(),
  })
  .strict();
export type StepReport = z.infer<typeof stepReportSchema>;

export const campaignOutcomes = ["held-all-steps", "failed", "interrupted", "budget-exhausted"] as const;
export type CampaignOutcome = (typeof campaignOutcomes)[number];

export const campaignReportSchema = z
  .object({
    tool: z.literal("renfort-loadtest"),
    schemaVersion: z.literal(1),
    runId: z.string(),
    target: z.string(),
    startedAt: z.string().datetime(),
    finishedAt: z.string().datetime(),
    config: z
      .object({
        steps: z.array(z.number().positive()),
        stepSeconds: z.number().positive(),
        warmupSeconds: z.number().min(0).default(0),
        slo: z
          .object({ p99Ms: z.number().positive(), maxErrorRate: z.number().min(0), minAchievedRatio: z.number().min(0) })
          .strict(),
        mix: z.string(),
        instances: z.number().int().positive(),
        clientIps: z.number().int().min(0).default(0),
        maxRequests: z.number().int().positive(),
        timeoutMs: z.number().int().positive(),
        connections: z.number().int().positive(),
      })
      .strict(),
    outcome: z.enum(campaignOutcomes),
    /** One sentence a reader (and the CI log) can quote. */
    summary: z.string(),
    lastHeldStep: z.number().nullable(),
    firstFailedStep: z.number().nullable(),
    /** Signups per second one instance holds within the SLO (the last held step / instances), or null. */
    heldSignupsPerSecond: z.number().nullable(),
    /** False when every step held: the figure is then a floor, the ceiling is higher. */
    ceilingFound: z.boolean(),
    totals: z
      .object({ sent: z.number().int(), ok: z.number().int(), errors: z.number().int(), signupsOk: z.number().int() })
      .strict(),
    warnings: z.array(z.string()),
    steps: z.array(stepReportSchema),
  })
  .strict();
export type CampaignReport = z.infer<typeof campaignReportSchema>;

export interface Conclusion {
  outcome: CampaignOutcome;
  lastHeldStep: number | null;
  firstFailedStep: number | null;
  heldSignupsPerSecond: number | null;
  ceilingFound: boolean;
  summary: string;
}

/**
 * What the steps say. The campaign escalates only while steps hold, so the last held step is the highest
 * rate shown to be within the SLO; the held figure divides it over the instances behind the target.
 */
export function conclude(
  steps: readonly Pick<StepReport, "signupsPerSecond" | "verdict">[],
  plannedSteps: readonly number[],
  instances: number,
  stoppedBy: "SIGINT" | "budget" | null,
): Conclusion {
  let lastHeldStep: number | null = null;
  let firstFailedStep: number | null = null;
  for (const s of steps) {
    if (s.verdict.result === "held") lastHeldStep = s.signupsPerSecond;
    else if (s.verdict.result === "failed") {
      firstFailedStep = s.signupsPerSecond;
      break;
    }
  }
  const heldSignupsPerSecond = lastHeldStep === null ? null : Math.round((lastHeldStep / instances) * 100) / 100;
  const allHeld =
    firstFailedStep === null && stoppedBy === null && steps.length === plannedSteps.length && steps.length > 0;
  const outcome: CampaignOutcome =
    firstFailedStep !== null ? "failed" : stoppedBy === "SIGINT" ? "interrupted" : stoppedBy === "budget" ? "budget-exhausted" : allHeld ? "held-all-steps" : "interrupted";
  const perInstance = instances === 1 ? "one instance" : `each of ${instances} instances`;
  let summary: string;
  if (outcome === "held-all-steps") {
    summary = `Every step held the SLO up to ${lastHeldStep} signups/s: ${perInstance} holds at least ${heldSignupsPerSecond} signups/s (ceiling not reached).`;
  } else if (outcome === "failed") {
    summary =
      lastHeldStep === null
        ? `The first step (${firstFailedStep} signups/s) already failed the SLO: no rate was shown to hold.`
        : `The step at ${firstFailedStep} signups/s failed the SLO; the last step that held was ${lastHeldStep} signups/s: ${perInstance} holds ${heldSignupsPerSecond} signups/s.`;
  } else {
    const why = outcome === "budget-exhausted" ? "the request budget (--max-requests) ran out" : "the campaign was interrupted";
    summary =
      lastHeldStep === null
        ? `Stopped before any step held (${why}).`
        : `Stopped early (${why}); the last step that held was ${lastHeldStep} signups/s: ${perInstance} holds at least ${heldSignupsPerSecond} signups/s.`;
  }
  return { outcome, lastHeldStep, firstFailedStep, heldSignupsPerSecond, ceilingFound: firstFailedStep !== null, summary };
}

const fmt = (v: number | null, unit = ""): string => (v === null ? "—" : `${v}${unit}`);

export function formatStatusCounts(counts: Record<string, number>): string {
  return Object.keys(counts)
    .sort()
    .map((k) => `${k}×${counts[k]}`)
    .join(" ");
}

/** The report as Markdown, for a pull request, a CI summary or a closing note. */
export function renderMarkdown(r: CampaignReport): string {
  const lines: string[] = [];
  lines.push(`# Load campaign ${r.runId}`, "");
  lines.push(`**${r.summary}**`, "");
  lines.push(
    `- Target: \`${r.target}\` (${r.config.instances} instance${r.config.instances === 1 ? "" : "s"})`,
    `- Run: ${r.startedAt} → ${r.finishedAt}, outcome \`${r.outcome}\``,
    `- SLO: p99 ≤ ${r.config.slo.p99Ms} ms, error rate ≤ ${r.config.slo.maxErrorRate * 100}%, achieved ≥ ${r.config.slo.minAchievedRatio * 100}% of offered`,
    `- Steps: ${r.config.steps.join(", ")} signups/s, ${r.config.stepSeconds} s each${r.config.warmupSeconds > 0 ? ` after a ${r.config.warmupSeconds} s warm-up` : ""}, mix \`${r.config.mix}\` (open model, latency from intended send time)`,
    `- Held: **${fmt(r.heldSignupsPerSecond)} signups/s per instance**${r.ceilingFound ? "" : " (a floor: every step run held)"}`,
    `- Totals: ${r.totals.sent} requests, ${r.totals.ok} ok, ${r.totals.errors} errors, ${r.totals.signupsOk} signups created`,
    "",
  );
  lines.push(
    "| signups/s | offered req/s | achieved req/s | signups ok/s | p50 ms | p95 ms | p99 ms | max ms | errors | status codes | verdict |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
  );
  for (const s of r.steps) {
    const verdict = s.verdict.result === "held" ? "held" : `**${s.verdict.result}**: ${s.verdict.reasons.join("; ")}`;
    lines.push(
      `| ${s.signupsPerSecond} | ${s.offeredRequestsPerSecond} | ${s.achievedRequestsPerSecond} | ${s.achievedSignupsPerSecond} | ` +
        `${fmt(s.latencyMs.p50)} | ${fmt(s.latencyMs.p95)} | ${fmt(s.latencyMs.p99)} | ${fmt(s.latencyMs.max)} | ` +
        `${s.errors} (${Number((s.errorRate * 100).toFixed(3))}%) | ${formatStatusCounts(s.statusCounts)} | ${verdict} |`,
    );
  }
  const kinds = r.steps.flatMap((s) => Object.keys(s.byKind).map((k) => [s, k] as const));
  if (kinds.length > 0) {
    lines.push("", "Per kind:", "", "| signups/s | kind | sent | ok | errors | p50 ms | p99 ms | max ms |", "|---:|---|---:|---:|---:|---:|---:|---:|");
    for (const [s, k] of kinds) {
      const b = s.byKind[k];
      lines.push(`| ${s.signupsPerSecond} | ${k} | ${b.sent} | ${b.ok} | ${b.errors} | ${fmt(b.latencyMs.p50)} | ${fmt(b.latencyMs.p99)} | ${fmt(b.latencyMs.max)} |`);
    }
  }
  if (r.warnings.length > 0) {
    lines.push("", "Warnings:", "", ...r.warnings.map((w) => `- ${w}`));
  }
  lines.push("");
  return lines.join("\n");
}
