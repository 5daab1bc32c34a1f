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

/** The launch campaigns (issue 16): what a step's rate counts. */
export const SCENARIOS = ["signup", "home", "apex"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
export const SCENARIO_UNITS: Record<ScenarioName, string> = {
  signup: "signups/s",
  home: "requests/s",
  apex: "redirects/s",
};

/** Edge cache figures of a step (home scenario), from the response's cache-status header. */
const cacheFigures = z
  .object({
    /** Answers whose cache-status says the edge served them from its cache (HIT, STALE, UPDATING, REVALIDATED). */
    hits: z.number().int().nonnegative(),
    /** Answers the edge fetched from the origin (MISS, EXPIRED, BYPASS, DYNAMIC, ...) or without the header. */
    misses: z.number().int().nonnegative(),
    /** hits / (hits + misses), or null when no answer arrived. */
    hitRatio: z.number().min(0).max(1).nullable(),
    /** Count per header value (`none` when the header was absent). */
    byStatus: z.record(z.string(), z.number().int().nonnegative()),
  })
  .strict();

/** Redirect figures of a step (apex scenario): every Location compared with the expected one. */
const redirectFigures = z
  .object({
    checked: z.number().int().nonnegative(),
    wrongLocation: z.number().int().nonnegative(),
    /** Up to three wrong answers, `<path> -> <Location>`, to show what went wrong. */
    examples: z.array(z.string()),
  })
  .strict();

export const stepReportSchema = z
  .object({
    /** The step's rate in the campaign's unit (`config.unit`: signups/s, requests/s, redirects/s). */
    rate: z.number().positive(),
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
    latencyMs: latencySummary,
    /** How late the generator sent requests after their intended time (client health). */
    sendLagMs: latencySummary,
    statusCounts: z.record(z.string(), z.number().int().nonnegative()),
    byKind: z.record(z.string(), kindReport),
    cache: cacheFigures.optional(),
    redirects: redirectFigures.optional(),
    verdict: z
      .object({ result: z.enum(["held", "failed", "interrupted"]), reasons: z.array(z.string()) })
      .strict(),
  })
  .strict();
export type StepReport = z.infer<typeof stepReportSchema>;

export const campaignOutcomes = ["held-all-steps", "failed", "interrupted", "budget-exhausted"] as const;
export type CampaignOutcome = (typeof campaignOutcomes)[number];

/** The bare HAProxy redirect measured with wrk in the same run (apex scenario). */
const baselineSchema = z
  .object({
    tool: z.string(),
    server: z.string(),
    url: z.string(),
    threads: z.number().int().positive(),
    connections: z.number().int().positive(),
    durationSeconds: z.number().positive(),
    requestsPerSecond: z.number().nonnegative(),
    /** Answers that were not 2xx/3xx, as wrk counts them. */
    non2xx3xx: z.number().int().nonnegative(),
    latencyMs: z.object({ p50: z.number().nullable(), p99: z.number().nullable() }).strict(),
  })
  .strict();

const apexFigures = z
  .object({
    /** Highest achieved rate of any judged step, redirects per second. */
    bestAchievedPerSecond: z.number().nonnegative(),
    baseline: baselineSchema.nullable(),
    /** bestAchievedPerSecond / baseline.requestsPerSecond, or null without a baseline. */
    ratioToBaseline: z.number().nonnegative().nullable(),
    /** Where the curve bends: the last step that held and the first that did not (null when none). */
    knee: z
      .object({ lastHeldRate: z.number().nullable(), firstFailedRate: z.number().nullable(), description: z.string() })
      .strict(),
    /** Why there is no baseline (e.g. wrk not installed), when there is none. */
    baselineSkipped: z.string().nullable(),
  })
  .strict();

const campaignReportV2 = z
  .object({
    tool: z.literal("renfort-loadtest"),
    schemaVersion: z.literal(2),
    runId: z.string(),
    target: z.string(),
    startedAt: z.string().datetime(),
    finishedAt: z.string().datetime(),
    config: z
      .object({
        scenario: z.enum(SCENARIOS),
        /** Unit of the step rates. */
        unit: z.string(),
        steps: z.array(z.number().positive()),
        stepSeconds: z.number().positive(),
        warmupSeconds: z.number().min(0).default(0),
        slo: z
          .object({
            p99Ms: z.number().positive(),
            maxErrorRate: z.number().min(0),
            minAchievedRatio: z.number().min(0),
            minCacheHitRatio: z.number().min(0).max(1).optional(),
          })
          .strict(),
        mix: z.string(),
        instances: z.number().int().positive(),
        clientIps: z.number().int().min(0).default(0),
        maxRequests: z.number().int().positive(),
        timeoutMs: z.number().int().positive(),
        connections: z.number().int().positive(),
        /** Host header and TLS server name when they differ from the URL's host. */
        hostHeader: z.string().nullable().default(null),
        servername: z.string().nullable().default(null),
        /** apex: the host every Location must point to. */
        mainHost: z.string().nullable().default(null),
      })
      .strict(),
    outcome: z.enum(campaignOutcomes),
    /** One sentence a reader (and the CI log) can quote. */
    summary: z.string(),
    lastHeldStep: z.number().nullable(),
    firstFailedStep: z.number().nullable(),
    /** The rate one instance holds within the SLO (the last held step / instances), in `config.unit`, or null. */
    heldRatePerInstance: z.number().nullable(),
    /** False when every step held: the figure is then a floor, the ceiling is higher. */
    ceilingFound: z.boolean(),
    totals: z
      .object({ sent: z.number().int(), ok: z.number().int(), errors: z.number().int(), signupsOk: z.number().int() })
      .strict(),
    /** home: the edge cache hit ratio over every judged step, against its goal. */
    cache: z.object({ hitRatio: z.number().nullable(), goal: z.number(), met: z.boolean() }).strict().optional(),
    apex: apexFigures.optional(),
    warnings: z.array(z.string()),
    steps: z.array(stepReportSchema),
  })
  .strict();

/**
 * Reports written before the scenarios (schemaVersion 1: signup campaigns, steps in `signupsPerSecond`)
 * are read as version 2, so committed measurements keep loading.
 */
export function upgradeReport(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || (raw as { schemaVersion?: unknown }).schemaVersion !== 1) return raw;
  const { heldSignupsPerSecond, steps, config, ...rest } = raw as Record<string, unknown> & { steps?: unknown; config?: unknown };
  return {
    ...rest,
    schemaVersion: 2,
    heldRatePerInstance: heldSignupsPerSecond,
    config: config !== null && typeof config === "object" ? { scenario: "signup", unit: SCENARIO_UNITS.signup, ...config } : config,
    steps: Array.isArray(steps)
      ? steps.map((s: unknown) => {
          if (s === null || typeof s !== "object") return s;
          const { signupsPerSecond, achievedSignupsPerSecond: _dropped, ...step } = s as Record<string, unknown>;
          return { rate: signupsPerSecond, ...step };
        })
      : steps,
  };
}

/** A campaign report, version 2 (a version 1 report is upgraded on the way in). */
export const campaignReportSchema = z.preprocess(upgradeReport, campaignReportV2);
export type CampaignReport = z.infer<typeof campaignReportV2>;

export interface Conclusion {
  outcome: CampaignOutcome;
  lastHeldStep: number | null;
  firstFailedStep: number | null;
  heldRatePerInstance: number | null;
  ceilingFound: boolean;
  summary: string;
}

/**
 * What the steps say. The campaign escalates only while steps hold, so the last held step is the highest
 * rate shown to be within the SLO; the held figure divides it over the instances behind the target.
 */
export function conclude(
  steps: readonly Pick<StepReport, "rate" | "verdict">[],
  plannedSteps: readonly number[],
  instances: number,
  stoppedBy: "SIGINT" | "budget" | null,
  unit: string = SCENARIO_UNITS.signup,
): Conclusion {
  let lastHeldStep: number | null = null;
  let firstFailedStep: number | null = null;
  for (const s of steps) {
    if (s.verdict.result === "held") lastHeldStep = s.rate;
    else if (s.verdict.result === "failed") {
      firstFailedStep = s.rate;
      break;
    }
  }
  const heldRatePerInstance = lastHeldStep === null ? null : Math.round((lastHeldStep / instances) * 100) / 100;
  const allHeld =
    firstFailedStep === null && stoppedBy === null && steps.length === plannedSteps.length && steps.length > 0;
  const outcome: CampaignOutcome =
    firstFailedStep !== null ? "failed" : stoppedBy === "SIGINT" ? "interrupted" : stoppedBy === "budget" ? "budget-exhausted" : allHeld ? "held-all-steps" : "interrupted";
  const perInstance = instances === 1 ? "one instance" : `each of ${instances} instances`;
  let summary: string;
  if (outcome === "held-all-steps") {
    summary = `Every step held the SLO up to ${lastHeldStep} ${unit}: ${perInstance} holds at least ${heldRatePerInstance} ${unit} (ceiling not reached).`;
  } else if (outcome === "failed") {
    summary =
      lastHeldStep === null
        ? `The first step (${firstFailedStep} ${unit}) already failed the SLO: no rate was shown to hold.`
        : `The step at ${firstFailedStep} ${unit} failed the SLO; the last step that held was ${lastHeldStep} ${unit}: ${perInstance} holds ${heldRatePerInstance} ${unit}.`;
  } else {
    const why = outcome === "budget-exhausted" ? "the request budget (--max-requests) ran out" : "the campaign was interrupted";
    summary =
      lastHeldStep === null
        ? `Stopped before any step held (${why}).`
        : `Stopped early (${why}); the last step that held was ${lastHeldStep} ${unit}: ${perInstance} holds at least ${heldRatePerInstance} ${unit}.`;
  }
  return { outcome, lastHeldStep, firstFailedStep, heldRatePerInstance, ceilingFound: firstFailedStep !== null, summary };
}

const fmt = (v: number | null, unit = ""): string => (v === null ? "—" : `${v}${unit}`);
const pct = (v: number | null): string => (v === null ? "—" : `${Number((v * 100).toFixed(2))}%`);

export function formatStatusCounts(counts: Record<string, number>): string {
  return Object.keys(counts)
    .sort()
    .map((k) => `${k}×${counts[k]}`)
    .join(" ");
}

/** The report as Markdown, for a pull request, a CI summary or a closing note. */
export function renderMarkdown(r: CampaignReport): string {
  const unit = r.config.unit;
  const lines: string[] = [];
  lines.push(`# Load campaign ${r.runId} (${r.config.scenario})`, "");
  lines.push(`**${r.summary}**`, "");
  const via = [r.config.hostHeader === null ? null : `Host \`${r.config.hostHeader}\``, r.config.servername === null ? null : `SNI \`${r.config.servername}\``]
    .filter((x) => x !== null)
    .join(", ");
  lines.push(
    `- Target: \`${r.target}\`${via === "" ? "" : ` (${via})`} (${r.config.instances} instance${r.config.instances === 1 ? "" : "s"})`,
    `- Run: ${r.startedAt} → ${r.finishedAt}, outcome \`${r.outcome}\``,
    `- SLO: p99 ≤ ${r.config.slo.p99Ms} ms, error rate ≤ ${r.config.slo.maxErrorRate * 100}%, achieved ≥ ${r.config.slo.minAchievedRatio * 100}% of offered` +
      (r.config.slo.minCacheHitRatio === undefined ? "" : `, edge cache hits ≥ ${r.config.slo.minCacheHitRatio * 100}%`),
    `- Steps: ${r.config.steps.join(", ")} ${unit}, ${r.config.stepSeconds} s each${r.config.warmupSeconds > 0 ? ` after a ${r.config.warmupSeconds} s warm-up` : ""}, mix \`${r.config.mix}\` (open model, latency from intended send time)`,
    `- Held: **${fmt(r.heldRatePerInstance)} ${unit} per instance**${r.ceilingFound ? "" : " (a floor: every step run held)"}`,
    `- Totals: ${r.totals.sent} requests, ${r.totals.ok} ok, ${r.totals.errors} errors${r.config.scenario === "signup" ? `, ${r.totals.signupsOk} signups created` : ""}`,
  );
  if (r.cache !== undefined) {
    lines.push(`- Edge cache hit ratio: **${pct(r.cache.hitRatio)}** (goal ≥ ${pct(r.cache.goal)}: ${r.cache.met ? "met" : "**not met**"})`);
  }
  if (r.apex !== undefined) {
    const a = r.apex;
    lines.push(
      `- Best achieved: **${a.bestAchievedPerSecond} redirects/s**` +
        (a.baseline === null
          ? ` (no baseline: ${a.baselineSkipped ?? "not measured"})`
          : `, **${pct(a.ratioToBaseline)}** of a bare HAProxy measured with wrk in the same run (${a.baseline.requestsPerSecond} req/s, ${a.baseline.threads} threads, ${a.baseline.connections} connections, ${a.baseline.durationSeconds} s)`),
      `- Knee: ${a.knee.description}`,
    );
  }
  lines.push("");
  lines.push(
    `| ${unit} | offered req/s | achieved req/s | p50 ms | p95 ms | p99 ms | max ms | errors | status codes | verdict |`,
    "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
  );
  for (const s of r.steps) {
    const verdict = s.verdict.result === "held" ? "held" : `**${s.verdict.result}**: ${s.verdict.reasons.join("; ")}`;
    lines.push(
      `| ${s.rate} | ${s.offeredRequestsPerSecond} | ${s.achievedRequestsPerSecond} | ` +
        `${fmt(s.latencyMs.p50)} | ${fmt(s.latencyMs.p95)} | ${fmt(s.latencyMs.p99)} | ${fmt(s.latencyMs.max)} | ` +
        `${s.errors} (${Number((s.errorRate * 100).toFixed(3))}%) | ${formatStatusCounts(s.statusCounts)} | ${verdict} |`,
    );
  }
  const kinds = r.steps.flatMap((s) => Object.keys(s.byKind).map((k) => [s, k] as const));
  if (kinds.length > 0) {
    lines.push("", "Per kind:", "", `| ${unit} | kind | sent | ok | errors | achieved/s | p50 ms | p99 ms | max ms |`, "|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const [s, k] of kinds) {
      const b = s.byKind[k];
      lines.push(`| ${s.rate} | ${k} | ${b.sent} | ${b.ok} | ${b.errors} | ${b.achievedPerSecond} | ${fmt(b.latencyMs.p50)} | ${fmt(b.latencyMs.p99)} | ${fmt(b.latencyMs.max)} |`);
    }
  }
  if (r.steps.some((s) => s.cache !== undefined)) {
    lines.push("", "Edge cache:", "", `| ${unit} | hits | misses | hit ratio | cache-status values |`, "|---:|---:|---:|---:|---|");
    for (const s of r.steps) {
      if (s.cache !== undefined) lines.push(`| ${s.rate} | ${s.cache.hits} | ${s.cache.misses} | ${pct(s.cache.hitRatio)} | ${formatStatusCounts(s.cache.byStatus)} |`);
    }
  }
  if (r.steps.some((s) => s.redirects !== undefined)) {
    lines.push("", "Redirects:", "", `| ${unit} | Location checked | wrong | examples |`, "|---:|---:|---:|---|");
    for (const s of r.steps) {
      if (s.redirects !== undefined) lines.push(`| ${s.rate} | ${s.redirects.checked} | ${s.redirects.wrongLocation} | ${s.redirects.examples.map((e) => `\`${e}\``).join(", ")} |`);
    }
  }
  if (r.warnings.length > 0) {
    lines.push("", "Warnings:", "", ...r.warnings.map((w) => `- ${w}`));
  }
  lines.push("");
  return lines.join("\n");
}
