/**
 * Campaigns beyond one machine, on k6 (https://grafana.com/docs/k6/latest/):
 *
 * - `buildK6Script` writes the campaign `npm run loadtest` would run as a k6 script: per step and per
 *   kind of request one arrival-rate scenario (`constant-arrival-rate`, the warm-up `ramping-arrival-rate`)
 *   tagged `step:sNN`, the same request mix, paths, bodies and answer checks, and the SLO as thresholds
 *   per step that abort the test once a step has missed it (as the local campaign stops escalating).
 * - `reportFromK6Summary` reads the end-of-test summary `k6 run --summary-export <file>` writes back
 *   into a campaign report, so `npm run capacity -- --from-k6` writes the same capacity figure.
 *
 * k6 behaviour relied on, verified in grafana/k6's source at 87883075ccd5e3d3fb961a860b3d6e422bbc353b:
 * - a submetric (`metric{tag:value}`) exists only when a threshold names it, under that exact name
 *   (internal/metrics/engine/engine.go getThresholdMetricOrSubmetric, metrics/metric.go AddSubmetric);
 * - `--summary-export` writes `{ root_group, metrics: { <name>: { <stat>: number, thresholds?: { <expr>: boolean } } } }`
 *   where a trend carries the `summaryTrendStats` (`med`, `p(95)`, `p(99)`, `count`, ...), a counter
 *   `count` and `rate`, a rate `value`, `passes` and `fails`, a gauge `value`, `min`, `max`, and a
 *   threshold's boolean is true when it FAILED (internal/js/summary-wrapper.js oldJSONSummary,
 *   `!threshold.ok`; expected output in internal/js/summary_test.go expectedOldJSONExportResult);
 * - `abortOnFail` with `delayAbortEval` aborts only once the test has run longer than the delay
 *   (metrics/thresholds.go, `AbortGracePeriod < timeSpentInTest`): with the delay at a step's end, a step
 *   is judged on all its requests.
 * Documented, not exercised here (no k6 binary on this machine): executors
 * (https://grafana.com/docs/k6/latest/using-k6/scenarios/executors/), `hosts`
 * (https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#hosts), `exec.scenario.iterationInTest`
 * (https://grafana.com/docs/k6/latest/javascript-api/k6-execution/).
 */
import { z } from "zod";
import { UsageError } from "../cli/conventions";
import { formatMix, totalRateFor, type Mix, type RequestKind } from "./mix";
import { conclude, SCENARIO_UNITS, type CampaignReport, type ScenarioName, type StepReport } from "./report";
import { judgeStep, type Slo } from "./slo";
import { APEX_PATHS, FIRST_NAMES, HOME_PAGES, LAST_NAMES, PAGE_PATHS, ZIPS } from "./traffic";

export interface K6Plan {
  scenario: ScenarioName;
  url: string;
  steps: number[];
  stepSeconds: number;
  warmupSeconds: number;
  slo: Slo;
  mix: Mix;
  timeoutMs: number;
  emailDomain: string;
  hostHeader: string | null;
  servername: string | null;
  mainHost: string | null;
  cacheStatusHeader: string;
  caFile: string | null;
  localAddress: string | null;
  /** When the script was generated (ISO 8601), for its header. */
  generatedAt: string;
}

/** Stage tag of step i (0-based): s01, s02, ... */
export const stepTag = (i: number): string => `s${String(i + 1).padStart(2, "0")}`;

/** `rate` per `timeUnit` with an integer rate, as constant-arrival-rate requires (37.5/s -> 375 per 10s). */
export function integerRate(perSecond: number): { rate: number; timeUnit: string } {
  for (const mult of [1, 10, 100, 1000]) {
    const r = perSecond * mult;
    if (Math.abs(r - Math.round(r)) < 1e-6) return { rate: Math.round(r), timeUnit: `${mult}s` };
  }
  return { rate: Math.round(perSecond * 1000), timeUnit: "1000s" };
}

/** Canonical MIME header name, as k6 (Go) keys `res.headers`: cf-cache-status -> Cf-Cache-Status. */
export function canonicalHeader(name: string): string {
  return name
    .toLowerCase()
    .split("-")
    .map((p) => (p === "" ? p : p[0].toUpperCase() + p.slice(1)))
    .join("-");
}

const js = (v: unknown): string => JSON.stringify(v);

/** VUs an arrival-rate scenario may need: ~100 ms of arrivals ready, up to 2 s of them in flight. */
function vus(perSecond: number): { preAllocatedVUs: number; maxVUs: number } {
  return { preAllocatedVUs: Math.ceil(perSecond * 0.1) + 5, maxVUs: Math.ceil(perSecond * 2) + 20 };
}

/** The k6 script of a campaign. */
export function buildK6Script(p: K6Plan): string {
  const url = new URL(p.url);
  // k6 sets Host and SNI from the URL; `hosts` maps that name to the address to connect to.
  const name = p.servername ?? p.hostHeader;
  const baseUrl = name === null ? p.url.replace(/\/+$/, "") : `${url.protocol}//${name}${url.port === "" ? "" : `:${url.port}`}${url.pathname.replace(/\/+$/, "")}`;
  const hosts = name === null ? null : { [name]: url.hostname.replace(/^\[|\]$/g, "") };
  const kinds = (Object.keys(p.mix) as RequestKind[]).filter((k) => (p.mix[k] ?? 0) > 0);
  const scenarios: Record<string, unknown> = {};
  const thresholds: Record<string, unknown> = {};
  const gauges: string[] = [];
  const abort = (threshold: string, endSeconds: number): unknown => ({ threshold, abortOnFail: true, delayAbortEval: `${endSeconds}s` });

  if (p.warmupSeconds > 0) {
    const total = totalRateFor(p.steps[0], p.mix);
    for (const kind of kinds) {
      const perSecond = total * (p.mix[kind] ?? 0);
      const r = integerRate(perSecond);
      scenarios[`warmup_${kind}`] = {
        // Generators of a distributed run start together: the warm-up ramps to the first step's rate over
        // its first half, then holds it, unjudged.
        executor: "ramping-arrival-rate",
        startRate: 0,
        timeUnit: r.timeUnit,
        stages: [
          { target: r.rate, duration: `${p.warmupSeconds / 2}s` },
          { target: r.rate, duration: `${p.warmupSeconds / 2}s` },
        ],
        ...vus(perSecond),
        startTime: "0s",
        gracefulStop: "2s",
        exec: kind,
        tags: { step: "warmup", kind },
        env: { STAGE: "0" },
      };
    }
  }
  p.steps.forEach((rate, i) => {
    const tag = stepTag(i);
    const start = p.warmupSeconds + i * p.stepSeconds;
    const end = start + p.stepSeconds;
    const total = totalRateFor(rate, p.mix);
    for (const kind of kinds) {
      const perSecond = total * (p.mix[kind] ?? 0);
      const r = integerRate(perSecond);
      scenarios[`${tag}_${kind}`] = {
        executor: "constant-arrival-rate",
        rate: r.rate,
        timeUnit: r.timeUnit,
        duration: `${p.stepSeconds}s`,
        ...vus(perSecond),
        startTime: `${start}s`,
        gracefulStop: `${Math.ceil(p.timeoutMs / 1000)}s`,
        exec: kind,
        tags: { step: tag, kind },
        env: { STAGE: String(i + 1) },
      };
    }
    const planned = Math.floor(total * p.stepSeconds + 1e-9);
    thresholds[`http_req_duration{step:${tag}}`] = [abort(`p(99)<=${p.slo.p99Ms}`, end)];
    thresholds[`renfort_failed{step:${tag}}`] = [abort(`rate<=${p.slo.maxErrorRate}`, end)];
    thresholds[`renfort_ok{step:${tag}}`] = [abort(`count>=${Math.ceil(planned * p.slo.minAchievedRatio)}`, end)];
    if (p.scenario === "signup") {
      const plannedSignups = Math.floor(rate * p.stepSeconds + 1e-9);
      thresholds[`renfort_ok{step:${tag},kind:signup}`] = [abort(`count>=${Math.ceil(plannedSignups * p.slo.minAchievedRatio)}`, end)];
    }
    if (p.scenario === "home" && p.slo.minCacheHitRatio !== undefined) {
      thresholds[`renfort_cache_hit{step:${tag}}`] = [abort(`rate>=${p.slo.minCacheHitRatio}`, end)];
    }
    gauges.push(`  plan_${tag}: [${js(rate)}, ${js(total)}, ${js(p.stepSeconds)}],`);
  });

  const options = {
    scenarios,
    thresholds,
    summaryTrendStats: ["avg", "min", "med", "max", "p(95)", "p(99)", "count"],
    ...(hosts === null ? {} : { hosts }),
    // The campaign's own counters tell expected answers (a 409 mission_full is one) from errors.
    discardResponseBodies: p.scenario !== "signup",
  };

  const notes: string[] = [];
  if (p.caFile !== null) {
    notes.push(`// The target is verified with the system trust store: add ${p.caFile} to it on every load machine`, `// (k6 has no option for a CA file).`);
  }
  if (p.localAddress !== null) notes.push(`// Send from ${p.localAddress}: k6 run --local-ips ${p.localAddress} (K6_LOCAL_IPS).`);

  return `// Load campaign "${p.scenario}" for k6, written by \`npm run loadtest -- --export-k6\` on ${p.generatedAt}.
// Steps ${p.steps.join(", ")} ${SCENARIO_UNITS[p.scenario]}, ${p.stepSeconds} s each${p.warmupSeconds > 0 ? ` after a ${p.warmupSeconds} s warm-up` : ""}; mix ${formatMix(p.mix)}.
// SLO per step: p99 <= ${p.slo.p99Ms} ms, errors <= ${p.slo.maxErrorRate * 100}%, achieved >= ${p.slo.minAchievedRatio * 100}% of offered${p.slo.minCacheHitRatio === undefined ? "" : `, edge cache hits >= ${p.slo.minCacheHitRatio * 100}%`}.
// The first step that misses it aborts the run once the step is over (abortOnFail, delayAbortEval).
//   k6 run --summary-export summary.json campaign.js        (BASE_URL=... RUN_ID=... override the target and run id)
//   npm run capacity -- --stack <stack> --from-k6 summary.json
${notes.join("\n")}${notes.length > 0 ? "\n" : ""}import http from "k6/http";
import exec from "k6/execution";
import { Counter, Gauge, Rate } from "k6/metrics";

const BASE_URL = __ENV.BASE_URL || ${js(baseUrl)};
const RUN_ID = __ENV.RUN_ID || "k6" + Date.now().toString(36);
const EMAIL_DOMAIN = ${js(p.emailDomain)};
const MAIN_HOST = ${js(p.mainHost ?? "")};
const CACHE_STATUS_HEADER = ${js(canonicalHeader(p.cacheStatusHeader))};
const TIMEOUT = ${js(`${p.timeoutMs}ms`)};
const HEADERS = { "user-agent": "renfort-loadtest/1 k6", "x-renfort-loadtest": RUN_ID };

export const options = ${JSON.stringify(options, null, 2)};

// Expected answers per step (the SLO's achieved rate), and failures (its error budget).
const ok = new Counter("renfort_ok");
const failed = new Rate("renfort_failed");
const cacheHit = new Rate("renfort_cache_hit");
// The plan, in the summary for \`npm run capacity -- --from-k6\`: [step rate, offered requests/s, seconds].
const PLAN = {
${gauges.join("\n")}
};
const planGauges = {};
for (const tag of Object.keys(PLAN)) {
  planGauges[tag] = ["rate", "offered_rps", "seconds"].map((field) => new Gauge("renfort_" + tag + "_" + field));
}
const SLO = ${js(p.slo)};
const sloGauges = {
  p99Ms: new Gauge("renfort_slo_p99_ms"),
  maxErrorRate: new Gauge("renfort_slo_max_error_rate"),
  minAchievedRatio: new Gauge("renfort_slo_min_achieved_ratio"),
  minCacheHitRatio: new Gauge("renfort_slo_min_cache_hit_ratio"),
};
const HAS_WARMUP = ${js(p.warmupSeconds > 0)};

// --- what the local campaign sends (tools/loadtest/traffic.ts; a test keeps the two identical) ---
const FIRST_NAMES = ${js(FIRST_NAMES)};
const LAST_NAMES = ${js(LAST_NAMES)};
const ZIPS = ${js(ZIPS)};
const PAGE_PATHS = ${js(PAGE_PATHS)};
const HOME_PAGES = ${js(HOME_PAGES)};
const APEX_PATHS = ${js(APEX_PATHS)};

function mix32(n) {
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function asciiSlug(s) {
  return s.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

export function makeSignup(runId, seq, emailDomain) {
  const h = mix32(seq);
  const firstName = FIRST_NAMES[h % FIRST_NAMES.length];
  const lastName = LAST_NAMES[(h >>> 8) % LAST_NAMES.length];
  const body = { email: asciiSlug(firstName) + "." + asciiSlug(lastName) + "+" + runId + "-" + seq + "@" + emailDomain, firstName, lastName, zip: ZIPS[(h >>> 16) % ZIPS.length] };
  if ((h >>> 4) % 10 < 6) body.phone = "0" + (6 + ((h >>> 12) % 2)) + String(h % 100000000).padStart(8, "0");
  if ((h >>> 20) % 10 < 7) {
    const year = 1950 + ((h >>> 3) % 57);
    const month = 1 + ((h >>> 7) % 12);
    const day = 1 + ((h >>> 11) % 28);
    body.birthdate = year + "-" + String(month).padStart(2, "0") + "-" + String(day).padStart(2, "0");
  }
  return body;
}

export function apexRequestPath(runId, seq) {
  const path = APEX_PATHS[seq % APEX_PATHS.length];
  const tag = seq % 3 === 0 ? "utm_source=tv&utm_medium=spot&" : "";
  return path + "?" + tag + "lt=" + runId + "-" + seq;
}

function extractAssetPaths(html) {
  const found = [];
  const re = /\\b(?:href|src)\\s*=\\s*["'](\\/assets\\/[^"'?#\\s]+)["']/gi;
  let m;
  while ((m = re.exec(html)) !== null) if (found.indexOf(m[1]) === -1) found.push(m[1]);
  return found;
}

/** Sequence numbers unique over the run: one block of 10^9 per stage (0 the warm-up, n step n). */
function seq(offset) {
  return Number(__ENV.STAGE || "0") * 1e9 + (offset || 0) + exec.scenario.iterationInTest;
}

function record(res, good) {
  if (good) ok.add(1);
  failed.add(!good);
}

export function setup() {
  for (const tag of Object.keys(PLAN)) PLAN[tag].forEach((v, i) => planGauges[tag][i].add(v));
  sloGauges.p99Ms.add(SLO.p99Ms);
  sloGauges.maxErrorRate.add(SLO.maxErrorRate);
  sloGauges.minAchievedRatio.add(SLO.minAchievedRatio);
  if (SLO.minCacheHitRatio !== undefined) sloGauges.minCacheHitRatio.add(SLO.minCacheHitRatio);
  const data = { missions: [], assets: [] };
  ${
    p.scenario === "signup" && (p.mix.apply ?? 0) > 0
      ? `const res = http.get(BASE_URL + "/api/missions", { headers: HEADERS, timeout: TIMEOUT });
  if (res.status === 200) {
    const json = res.json();
    const list = Array.isArray(json) ? json : json.missions || json.items || json.data || [];
    data.missions = list.map((m) => m && m.id).filter((id) => id !== undefined && id !== null && id !== "").map(String);
  }`
      : p.scenario === "home"
        ? `const res = http.get(BASE_URL + "/", { headers: HEADERS, timeout: TIMEOUT, responseType: "text" });
  if (res.status === 200) data.assets = extractAssetPaths(res.body);`
        : ""
  }
  return data;
}

function doSignup(offset) {
  const res = http.post(BASE_URL + "/api/volunteers", JSON.stringify(makeSignup(RUN_ID, seq(offset), EMAIL_DOMAIN)), {
    headers: Object.assign({ "content-type": "application/json" }, HEADERS),
    timeout: TIMEOUT,
    responseType: "none",
  });
  record(res, res.status === 202);
}

export function signup() {
  doSignup(0);
}

export function pages() {
  const res = http.get(BASE_URL + PAGE_PATHS[exec.scenario.iterationInTest % PAGE_PATHS.length], { headers: HEADERS, timeout: TIMEOUT, responseType: "none" });
  record(res, res.status === 200);
}

export function apply(data) {
  const stage = Number(__ENV.STAGE || "0");
  // Volunteers of the previous stage apply (they were signed up by then); without missions, a signup instead.
  // (Their own sequence block, offset by 5 x 10^8, keeps their emails apart from the signup scenario's.)
  if (data.missions.length === 0 || stage === 0 || (stage === 1 && !HAS_WARMUP)) return doSignup(5e8);
  const i = exec.scenario.iterationInTest;
  const email = makeSignup(RUN_ID, (stage - 1) * 1e9 + i, EMAIL_DOMAIN).email;
  const mission = data.missions[i % data.missions.length];
  const res = http.post(BASE_URL + "/api/missions/" + encodeURIComponent(mission) + "/applications", JSON.stringify({ email }), {
    headers: Object.assign({ "content-type": "application/json" }, HEADERS),
    timeout: TIMEOUT,
    responseType: "text",
  });
  record(res, res.status === 201 || (res.status === 409 && String(res.body).indexOf("mission_full") !== -1));
}

function cached(res) {
  const v = String(res.headers[CACHE_STATUS_HEADER] || "").trim().toUpperCase();
  cacheHit.add(v === "HIT" || v === "STALE" || v === "UPDATING" || v === "REVALIDATED");
}

export function page() {
  const res = http.get(BASE_URL + HOME_PAGES[exec.scenario.iterationInTest % HOME_PAGES.length], { headers: HEADERS, timeout: TIMEOUT, responseType: "none" });
  record(res, res.status === 200);
  cached(res);
}

export function asset(data) {
  if (data.assets.length === 0) return page();
  const res = http.get(BASE_URL + data.assets[exec.scenario.iterationInTest % data.assets.length], { headers: HEADERS, timeout: TIMEOUT, responseType: "none" });
  record(res, res.status === 200);
  cached(res);
}

export function redirect() {
  const path = apexRequestPath(RUN_ID, seq(0));
  const res = http.get(BASE_URL + path, { headers: HEADERS, timeout: TIMEOUT, redirects: 0, responseType: "none" });
  record(res, res.status === 301 && res.headers["Location"] === "https://" + MAIN_HOST + path);
}
`;
}

// --- the summary, back into a campaign report ------------------------------------------------------------

const metricValues = z.record(z.string(), z.unknown());
const k6SummarySchema = z.object({ metrics: z.record(z.string(), metricValues) }).passthrough();

function numberAt(metrics: Record<string, Record<string, unknown>>, name: string, stat: string): number | null {
  const v = metrics[name]?.[stat];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * A campaign report from a k6 `--summary-export` file of a script `buildK6Script` wrote. Throws when the
 * file is not such a summary, naming what is missing.
 */
export function reportFromK6Summary(raw: unknown, opts: { instances: number; source: string; finishedAt?: string }): CampaignReport {
  const parsed = k6SummarySchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${opts.source} is not a k6 summary (no "metrics" object): write it with k6 run --summary-export <file>`);
  const metrics = parsed.data.metrics as Record<string, Record<string, unknown>>;
  const tags = Object.keys(metrics)
    .map((k) => /^renfort_(s\d{2,})_rate$/.exec(k)?.[1])
    .filter((t): t is string => t !== undefined)
    .sort();
  if (tags.length === 0) {
    throw new UsageError(`${opts.source} has no renfort_sNN_rate metric: it is not the summary of a script written by npm run loadtest -- --export-k6`);
  }
  const slo: Slo = {
    p99Ms: numberAt(metrics, "renfort_slo_p99_ms", "value") ?? NaN,
    maxErrorRate: numberAt(metrics, "renfort_slo_max_error_rate", "value") ?? NaN,
    minAchievedRatio: numberAt(metrics, "renfort_slo_min_achieved_ratio", "value") ?? NaN,
  };
  for (const [k, v] of Object.entries(slo)) {
    if (Number.isNaN(v)) throw new UsageError(`${opts.source}: the SLO gauge for ${k} is missing (renfort_slo_*): not a summary of an exported campaign`);
  }
  const kindsSeen = new Set(Object.keys(metrics).flatMap((k) => [.../kind:([a-z]+)/.exec(k)?.slice(1) ?? []]));
  const scenario: ScenarioName = kindsSeen.has("redirect") ? "apex" : kindsSeen.has("page") ? "home" : "signup";
  const cacheGoal = numberAt(metrics, "renfort_slo_min_cache_hit_ratio", "value");
  if (cacheGoal !== null) slo.minCacheHitRatio = cacheGoal;

  const steps: StepReport[] = [];
  const planned = tags.map((tag) => numberAt(metrics, `renfort_${tag}_rate`, "value") ?? NaN);
  for (const tag of tags) {
    const rate = numberAt(metrics, `renfort_${tag}_rate`, "value");
    const offered = numberAt(metrics, `renfort_${tag}_offered_rps`, "value");
    const seconds = numberAt(metrics, `renfort_${tag}_seconds`, "value");
    if (rate === null || offered === null || seconds === null) throw new UsageError(`${opts.source}: the plan of step ${tag} is incomplete (renfort_${tag}_rate, _offered_rps, _seconds)`);
    const dur = `http_req_duration{step:${tag}}`;
    const count = numberAt(metrics, dur, "count");
    if (count === null || count === 0) continue; // the run was aborted before this step
    const failedName = `renfort_failed{step:${tag}}`;
    const errors = numberAt(metrics, failedName, "passes") ?? 0;
    const sent = errors + (numberAt(metrics, failedName, "fails") ?? 0);
    const okCount = numberAt(metrics, `renfort_ok{step:${tag}}`, "count") ?? 0;
    const latencyMs = {
      count,
      min: numberAt(metrics, dur, "min"),
      mean: numberAt(metrics, dur, "avg"),
      p50: numberAt(metrics, dur, "med"),
      p95: numberAt(metrics, dur, "p(95)"),
      p99: numberAt(metrics, dur, "p(99)"),
      max: numberAt(metrics, dur, "max"),
    };
    if (latencyMs.p99 === null) throw new UsageError(`${opts.source}: ${dur} has no p(99): run the exported script unchanged (its summaryTrendStats include p(99))`);
    const r2 = (v: number): number => Math.round(v * 100) / 100;
    const achieved = r2(okCount / seconds);
    const byKind: StepReport["byKind"] = {};
    const signupOk = numberAt(metrics, `renfort_ok{step:${tag},kind:signup}`, "count");
    if (signupOk !== null) {
      byKind.signup = { sent: signupOk, ok: signupOk, errors: 0, achievedPerSecond: r2(signupOk / seconds), latencyMs: { count: 0, min: null, mean: null, p50: null, p95: null, p99: null, max: null }, statusCounts: {} };
    }
    const cacheName = `renfort_cache_hit{step:${tag}}`;
    const hits = numberAt(metrics, cacheName, "passes");
    const misses = numberAt(metrics, cacheName, "fails");
    const cache = hits === null || misses === null ? undefined : { hits, misses, hitRatio: hits + misses === 0 ? null : Math.round((hits / (hits + misses)) * 1e4) / 1e4, byStatus: {} };
    const thresholdFailed = Object.entries(metrics)
      .filter(([k]) => k.includes(`step:${tag}`))
      .some(([, m]) => Object.values((m.thresholds ?? {}) as Record<string, boolean>).some((failedFlag) => failedFlag === true));
    const verdict = judgeStep(
      { offeredRequestsPerSecond: r2(offered), achievedRequestsPerSecond: achieved, sent, errors, p99Ms: latencyMs.p99, interruptedBy: null, ...(cache === undefined ? {} : { cacheHitRatio: cache.hitRatio }) },
      slo,
    );
    if (thresholdFailed && verdict.result === "held") verdict.reasons.push("k6 marked a threshold of this step as failed");
    if (verdict.reasons.length > 0 && verdict.result === "held") verdict.result = "failed";
    steps.push({
      rate,
      offeredRequestsPerSecond: r2(offered),
      durationSeconds: seconds,
      planned: Math.floor(offered * seconds + 1e-9),
      sent,
      completed: sent,
      ok: okCount,
      errors,
      errorRate: sent === 0 ? 0 : Math.round((errors / sent) * 1e6) / 1e6,
      achievedRequestsPerSecond: achieved,
      latencyMs,
      sendLagMs: { count: 0, min: null, mean: null, p50: null, p95: null, p99: null, max: null },
      statusCounts: {},
      byKind,
      ...(cache === undefined ? {} : { cache }),
      verdict,
    });
    if (verdict.result === "failed") break;
  }
  const unit = SCENARIO_UNITS[scenario];
  const aborted = steps.length < planned.length && steps.at(-1)?.verdict.result !== "failed";
  const conclusion = conclude(steps, planned, opts.instances, aborted ? "SIGINT" : null, unit);
  const finishedAt = opts.finishedAt ?? new Date().toISOString();
  const signupsOk = steps.reduce((n, s) => n + (s.byKind.signup?.ok ?? 0), 0);
  return {
    tool: "renfort-loadtest",
    schemaVersion: 2,
    runId: `k6:${opts.source}`,
    target: "k6 (distributed)",
    startedAt: finishedAt,
    finishedAt,
    config: {
      scenario,
      unit,
      steps: planned,
      stepSeconds: steps[0]?.durationSeconds ?? 1,
      warmupSeconds: 0,
      slo,
      mix: "as exported",
      instances: opts.instances,
      clientIps: 0,
      maxRequests: 1,
      timeoutMs: 1,
      connections: 1,
      hostHeader: null,
      servername: null,
      mainHost: null,
    },
    ...conclusion,
    totals: {
      sent: steps.reduce((n, s) => n + s.sent, 0),
      ok: steps.reduce((n, s) => n + s.ok, 0),
      errors: steps.reduce((n, s) => n + s.errors, 0),
      signupsOk,
    },
    warnings: ["figures from a k6 end-of-test summary: latency from each request's actual send, achieved = expected answers per second of the step"],
    steps,
  };
}
