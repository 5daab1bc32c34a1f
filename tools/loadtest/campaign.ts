/**
 * The campaign: steps of constant arrival rate against one target, each judged against the SLO, escalating
 * only while steps hold.
 */
import { performance } from "node:perf_hooks";
import { HttpTarget, failureName, type HttpAnswer } from "./client";
import { formatMix, MixPicker, totalRateFor, withoutKind, type Mix, type RequestKind } from "./mix";
import { round, sortedCopy, percentileOfSorted, summarize } from "./percentiles";
import { SCENARIO_UNITS, conclude, formatStatusCounts, type CampaignReport, type ScenarioName, type StepReport } from "./report";
import { runArrivals } from "./scheduler";
import { DEFAULT_CACHE_HIT_GOAL, errorRate, judgeStep, type Slo } from "./slo";
import {
  HOME_PAGES,
  PAGE_PATHS,
  apexAnswer,
  apexRequestPath,
  expectedApexLocation,
  extractAssetPaths,
  extractMissionIds,
  isCacheHit,
  isExpectedAnswer,
  makeSignup,
  visitorAddress,
} from "./traffic";

export interface CampaignOptions {
  /** Which launch campaign: signup (default), home (pages and assets through the edge), apex (redirects). */
  scenario?: ScenarioName;
  /** Base URL of the target (one instance, or a load balancer: see `instances`). */
  url: string;
  /** Rate of each step, in order, in the scenario's unit (signups/s, requests/s, redirects/s). */
  steps: number[];
  stepSeconds: number;
  slo: Slo;
  mix: Mix;
  /** Instances behind the URL; the held figure is divided by it. */
  instances: number;
  /**
   * Simulated visitors: when > 0, request n carries `CF-Connecting-IP: visitorAddress(n % clientIps)`, so an
   * app that trusts the generator as a proxy applies its per-visitor rate limits as on launch night.
   */
  clientIps: number;
  /** Seconds at the first step's rate before the first step, not judged (JIT, pools, caches warm up). */
  warmupSeconds: number;
  /** Hard bound on requests sent over the whole campaign (warm-up included). */
  maxRequests: number;
  timeoutMs: number;
  connections: number;
  emailDomain: string;
  runId: string;
  /** HTTPS: PEM CA bundle to verify the target with (the twin's CA). */
  ca?: string | Buffer;
  /** TLS server name when it differs from the URL's host. */
  servername?: string;
  /** Host header when it differs from the URL's host. */
  hostHeader?: string;
  /** Local address to send from. */
  localAddress?: string;
  /** home: response header carrying the edge cache status (default cf-cache-status). */
  cacheStatusHeader?: string;
  /** apex: the host every redirect's Location must point to. */
  mainHost?: string;
  /** Aborting it stops the campaign cleanly (in-flight requests get a short grace, then are cancelled). */
  signal?: AbortSignal;
  /**
   * Activates the volunteers this campaign signed up (double opt-in: a signup is pending until its mailed
   * link is followed, and only an active volunteer may apply). Called with batches of acknowledged
   * signups, outside the measured traffic; its volunteers become the applicants. Without it, the
   * campaign measures no applications (the mix drops `apply`, with a warning). The CLI activates
   * through SQL when LOADTEST_ACTIVATION_DATABASE_URL is set (activation.ts).
   */
  activate?: (emails: string[]) => Promise<void>;
  onProgress?: (p: Progress) => void;
  progressIntervalMs?: number;
  log?: (line: string) => void;
}

export interface Progress {
  stepIndex: number;
  stepCount: number;
  /** The step's rate in `unit`. */
  rate: number;
  unit: string;
  offeredRequestsPerSecond: number;
  elapsedSeconds: number;
  stepSeconds: number;
  sent: number;
  ok: number;
  errors: number;
  inFlight: number;
  /** ok answers per elapsed second of the step so far. */
  achievedRequestsPerSecond: number;
  p99Ms: number | null;
}

/** Grace given to in-flight requests after Ctrl-C before they are cancelled. */
const INTERRUPT_GRACE_MS = 2000;
/** How often in-flight requests are checked against their timeout. */
const TIMEOUT_SWEEP_MS = 20;
/** A generator sending this late (p99) is itself saturated: say so next to the numbers. */
const SEND_LAG_WARNING_MS = 10;

interface KindStats {
  sent: number;
  ok: number;
  errors: number;
  latencies: number[];
  /** Clock value at which each good answer arrived. */
  okEnds: number[];
  statusCounts: Record<string, number>;
}

/** Everything one step records; the report is derived from it once the step has drained. */
class StepRecorder {
  readonly latencies: number[] = [];
  readonly sendLags: number[] = [];
  readonly statusCounts: Record<string, number> = {};
  readonly byKind = new Map<RequestKind, KindStats>();
  sent = 0;
  completed = 0;
  ok = 0;
  errors = 0;
  inFlight = 0;
  readonly okEnds: number[] = [];
  cacheHits = 0;
  cacheMisses = 0;
  readonly cacheByStatus: Record<string, number> = {};
  redirectsChecked = 0;
  wrongLocations = 0;
  readonly wrongLocationExamples: string[] = [];

  constructor(readonly startedAt: number) {}

  kind(k: RequestKind): KindStats {
    let s = this.byKind.get(k);
    if (s === undefined) {
      s = { sent: 0, ok: 0, errors: 0, latencies: [], okEnds: [], statusCounts: {} };
      this.byKind.set(k, s);
    }
    return s;
  }

  count(status: string): void {
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
  }
}

function toStepReport(
  rec: StepRecorder,
  scenario: ScenarioName,
  rate: number,
  offered: number,
  planned: number,
  emissionEndedAt: number,
  stepSeconds: number,
  slo: Slo,
  interruptedBy: string | null,
): StepReport {
  // The step lasts its planned duration (or until it was cut). Its achieved rate counts the good answers
  // that arrived by the end of the step plus the SLO's latency allowance: a server that keeps up answers
  // (nearly) every request by then, one that is working through a queue does not, and a single slow
  // answer at the very end costs one request, not the whole step.
  const durationMs = interruptedBy === null ? stepSeconds * 1000 : Math.max(1, emissionEndedAt - rec.startedAt);
  const deadline = rec.startedAt + durationMs + slo.p99Ms;
  const answeredInTime = (ends: number[]): number => ends.filter((t) => t <= deadline).length;
  const windowSeconds = durationMs / 1000;
  const latencyMs = summarize(rec.latencies);
  const byKind: StepReport["byKind"] = {};
  for (const [k, s] of rec.byKind) {
    byKind[k] = {
      sent: s.sent,
      ok: s.ok,
      errors: s.errors,
      achievedPerSecond: round(answeredInTime(s.okEnds) / windowSeconds),
      latencyMs: summarize(s.latencies),
      statusCounts: s.statusCounts,
    };
  }
  const achievedRequestsPerSecond = round(answeredInTime(rec.okEnds) / windowSeconds);
  const cacheAnswers = rec.cacheHits + rec.cacheMisses;
  const cache =
    scenario === "home"
      ? { hits: rec.cacheHits, misses: rec.cacheMisses, hitRatio: cacheAnswers === 0 ? null : round(rec.cacheHits / cacheAnswers, 4), byStatus: rec.cacheByStatus }
      : undefined;
  const redirects =
    scenario === "apex"
      ? { checked: rec.redirectsChecked, wrongLocation: rec.wrongLocations, examples: rec.wrongLocationExamples }
      : undefined;
  const verdict = judgeStep(
    {
      offeredRequestsPerSecond: round(offered),
      achievedRequestsPerSecond,
      sent: rec.sent,
      errors: rec.errors,
      p99Ms: latencyMs.p99,
      interruptedBy,
      ...(cache === undefined ? {} : { cacheHitRatio: cache.hitRatio }),
    },
    slo,
  );
  return {
    rate,
    offeredRequestsPerSecond: round(offered),
    durationSeconds: round(durationMs / 1000),
    planned,
    sent: rec.sent,
    completed: rec.completed,
    ok: rec.ok,
    errors: rec.errors,
    errorRate: round(errorRate(rec.errors, rec.sent), 6),
    achievedRequestsPerSecond,
    latencyMs,
    sendLagMs: summarize(rec.sendLags),
    statusCounts: rec.statusCounts,
    byKind,
    ...(cache === undefined ? {} : { cache }),
    ...(redirects === undefined ? {} : { redirects }),
    verdict,
  };
}

/** One request the scenario wants sent, and how to judge its answer. */
interface PlannedRequest {
  kind: RequestKind;
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  readBody: boolean;
  /** apex: the Location the answer must carry. */
  expectedLocation?: string;
  /** signup: the email, remembered once the signup is stored (applications use it). */
  email?: string;
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignReport> {
  const log = opts.log ?? (() => undefined);
  const scenario: ScenarioName = opts.scenario ?? "signup";
  const unit = SCENARIO_UNITS[scenario];
  const startedAt = new Date();
  const warnings: string[] = [];
  if (scenario === "apex" && (opts.mainHost === undefined || opts.mainHost === "")) {
    throw new Error("the apex scenario needs the main host every Location must point to (--main-host)");
  }
  const target = new HttpTarget(opts.url, {
    connections: opts.connections,
    timeoutMs: opts.timeoutMs,
    runId: opts.runId,
    ca: opts.ca,
    servername: opts.servername,
    hostHeader: opts.hostHeader,
    localAddress: opts.localAddress,
    cacheStatusHeader: opts.cacheStatusHeader,
  });
  let mix = opts.mix;
  let missionIds: string[] = [];
  let homePaths: { page: string[]; asset: string[] } = { page: [...HOME_PAGES], asset: [] };
  const steps: StepReport[] = [];
  let stoppedBy: "SIGINT" | "budget" | null = null;
  let totalSent = 0;
  let signupSeq = 0;
  let missionCursor = 0;
  let pageCursor = 0;
  let assetCursor = 0;
  let apexSeq = 0;
  // Emails of volunteers this campaign signed up, each used once for an application.
  const signedUp: string[] = [];
  let signedUpHead = 0;
  // acknowledged signups waiting for `opts.activate`; a pump hands them over in batches
  let awaitingActivation: string[] = [];
  let pumping = true;
  const pump = (async () => {
    while (pumping) {
      if (awaitingActivation.length > 0 && opts.activate) {
        const batch = awaitingActivation;
        awaitingActivation = [];
        try {
          await opts.activate(batch);
          signedUp.push(...batch);
        } catch (err) {
          const w = `activating volunteers failed (${err instanceof Error ? err.message : String(err)}): no more applications`;
          warnings.push(w);
          log(`warning: ${w}`);
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  /** The next request of the scenario for a kind the mix picked. */
  const plan = (kind: RequestKind): PlannedRequest => {
    switch (scenario) {
      case "apex": {
        const path = apexRequestPath(opts.runId, apexSeq++);
        return { kind: "redirect", method: "GET", path, readBody: false, expectedLocation: expectedApexLocation(opts.mainHost ?? "", path) };
      }
      case "home": {
        if (kind === "asset" && homePaths.asset.length > 0) {
          return { kind, method: "GET", path: homePaths.asset[assetCursor++ % homePaths.asset.length], readBody: false };
        }
        return { kind: "page", method: "GET", path: homePaths.page[pageCursor++ % homePaths.page.length], readBody: false };
      }
      case "signup": {
        if (kind === "apply" && signedUpHead < signedUp.length) {
          const path = `/api/missions/${encodeURIComponent(missionIds[missionCursor++ % missionIds.length])}/applications`;
          return { kind, method: "POST", path, body: { email: signedUp[signedUpHead++] }, readBody: true };
        }
        if (kind === "pages") return { kind, method: "GET", path: PAGE_PATHS[pageCursor++ % PAGE_PATHS.length], readBody: false };
        // No volunteer of this campaign is left to apply yet (first requests): a signup takes the slot.
        const signup = makeSignup(opts.runId, signupSeq++, opts.emailDomain);
        return { kind: "signup", method: "POST", path: "/api/volunteers", body: signup, readBody: false, email: signup.email };
      }
    }
  };

  try {
    // Reachability first: a wrong URL should fail in a second with a clear message, not as a failed step.
    const probePath = scenario === "signup" ? "/healthz" : scenario === "home" ? "/" : apexRequestPath(opts.runId, 0);
    let probe: HttpAnswer;
    try {
      probe = await target.request("GET", probePath, undefined, scenario === "home", AbortSignal.timeout(opts.timeoutMs));
    } catch (err) {
      throw new Error(`cannot reach ${opts.url} (GET ${probePath}: ${failureName(err)}${err instanceof Error && failureName(err) === "error" ? `, ${err.message}` : ""}); is it running there?`, { cause: err });
    }
    if (scenario === "home") {
      const assets = probe.statusCode === 200 && probe.body !== null ? extractAssetPaths(probe.body) : [];
      homePaths = { page: [...HOME_PAGES], asset: assets };
      if (assets.length === 0) {
        mix = withoutKind(mix, "asset");
        const w = `GET / answered ${probe.statusCode} and referenced no /assets/ file: only pages are requested, mix is now ${formatMix(mix)}`;
        warnings.push(w);
        log(`warning: ${w}`);
      } else {
        log(`home: pages ${homePaths.page.join(", ")}; assets ${assets.join(", ")}`);
      }
    }
    if (scenario === "signup" && (mix.apply ?? 0) > 0 && opts.activate === undefined) {
      mix = withoutKind(mix, "apply");
      const w = `applications need active volunteers and no activation is configured (LOADTEST_ACTIVATION_DATABASE_URL): applications are skipped, mix is now ${formatMix(mix)}`;
      warnings.push(w);
      log(`warning: ${w}`);
    }
    if (scenario === "signup" && (mix.apply ?? 0) > 0) {
      try {
        const res = await target.request("GET", "/api/missions", undefined, true, AbortSignal.timeout(opts.timeoutMs));
        missionIds = res.statusCode === 200 && res.body !== null ? extractMissionIds(JSON.parse(res.body)) : [];
        if (res.statusCode !== 200) warnings.push(`GET /api/missions answered ${res.statusCode}`);
      } catch (err) {
        warnings.push(`GET /api/missions failed (${err instanceof Error ? err.message : failureName(err)})`);
      }
      if (missionIds.length === 0) {
        mix = withoutKind(mix, "apply");
        const w = `the target lists no mission: applications are skipped, mix is now ${formatMix(mix)}`;
        warnings.push(w);
        log(`warning: ${w}`);
      }
    }

    /**
     * One phase at a constant arrival rate: a judged step (`i` its index) or the unjudged warm-up (`i` null).
     * Resolves once every request has ended (answer, timeout, or the interrupt grace).
     */
    const runPhase = async (
      i: number | null,
      rate: number,
      seconds: number,
    ): Promise<{ rec: StepRecorder | undefined; run: Awaited<ReturnType<typeof runArrivals>>; offered: number }> => {
      const offered = totalRateFor(rate, mix);
      const picker = new MixPicker(mix);
      const stepAbort = new AbortController();
      // Per-request timeouts without a timer per request (at 8,000 requests/s and a 10 s timeout that
      // would be 80,000 live timers): requests are fired in deadline order, so one sweeper walks the
      // in-flight set from the oldest and stops at the first that still has time.
      const live = new Set<{ ac: AbortController; deadline: number; timedOut: boolean }>();
      const sweeper = setInterval(() => {
        const now = performance.now();
        for (const e of live) {
          if (e.deadline > now) break;
          e.timedOut = true;
          e.ac.abort();
          live.delete(e);
        }
      }, TIMEOUT_SWEEP_MS);
      stepAbort.signal.addEventListener("abort", () => {
        for (const e of live) e.ac.abort();
      });
      const inflight = new Set<Promise<void>>();
      let rec: StepRecorder | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      const onInterrupt = (): void => {
        graceTimer = setTimeout(() => stepAbort.abort(), INTERRUPT_GRACE_MS);
      };
      opts.signal?.addEventListener("abort", onInterrupt, { once: true });

      const fire = (picked: RequestKind, intendedAt: number, r: StepRecorder): void => {
        const req = plan(picked);
        const kind = req.kind;
        const ks = r.kind(kind);
        r.sent++;
        ks.sent++;
        r.inFlight++;
        r.sendLags.push(performance.now() - intendedAt);
        const entry = { ac: new AbortController(), deadline: performance.now() + opts.timeoutMs, timedOut: false };
        live.add(entry);
        const signal = entry.ac.signal;
        const visitor = opts.clientIps > 0 ? { "cf-connecting-ip": visitorAddress(totalSent % opts.clientIps) } : undefined;
        const p = target
          .request(req.method, req.path, req.body, req.readBody, signal, visitor)
          .then(
            (res) => {
              let ok = isExpectedAnswer(kind, res.statusCode, res.body);
              if (req.expectedLocation !== undefined) {
                const a = apexAnswer(res.statusCode, res.location, req.expectedLocation);
                ok = a.ok;
                r.redirectsChecked++;
                if (a.wrongLocation) {
                  r.wrongLocations++;
                  if (r.wrongLocationExamples.length < 3) r.wrongLocationExamples.push(`${req.path} -> ${res.location ?? "(no Location)"}`);
                }
              }
              if (scenario === "home") {
                const value = res.cacheStatus === null ? "none" : res.cacheStatus.trim().toUpperCase();
                r.cacheByStatus[value] = (r.cacheByStatus[value] ?? 0) + 1;
                if (isCacheHit(res.cacheStatus)) r.cacheHits++;
                else r.cacheMisses++;
              }
              return { status: String(res.statusCode), ok, answered: true };
            },
            (err: unknown) => {
              const name = entry.timedOut ? "timeout" : stepAbort.signal.aborted ? "aborted" : failureName(err);
              return { status: name, ok: false, answered: false };
            },
          )
          .then(({ status, ok, answered }) => {
            live.delete(entry);
            const end = performance.now();
            r.inFlight--;
            r.count(status);
            ks.statusCounts[status] = (ks.statusCounts[status] ?? 0) + 1;
            if (status === "aborted") return; // cancelled by us on Ctrl-C: neither a latency nor an error
            r.latencies.push(end - intendedAt);
            ks.latencies.push(end - intendedAt);
            if (answered) r.completed++;
            if (ok) {
              r.ok++;
              ks.ok++;
              r.okEnds.push(end);
              ks.okEnds.push(end);
              if (req.email !== undefined) awaitingActivation.push(req.email);
            } else {
              r.errors++;
              ks.errors++;
            }
          });
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      };

      log(
        i === null
          ? `warm-up: ${rate} ${unit} (${round(offered)} requests/s) for ${seconds} s, not judged`
          : `step ${i + 1}/${opts.steps.length}: ${rate} ${unit} (${round(offered)} requests/s) for ${seconds} s`,
      );
      let progressTimer: NodeJS.Timeout | undefined;
      let stepStart = 0;
      const run = await runArrivals({
        ratePerSecond: offered,
        durationMs: seconds * 1000,
        signal: opts.signal,
        onArrival: (_index, intendedAt) => {
          if (rec === undefined) {
            stepStart = intendedAt;
            rec = new StepRecorder(intendedAt);
            const recorder = rec;
            if (opts.onProgress !== undefined && i !== null) {
              const stepIndex = i;
              const report = opts.onProgress;
              progressTimer = setInterval(() => {
                const elapsed = (performance.now() - stepStart) / 1000;
                report({
                  stepIndex,
                  stepCount: opts.steps.length,
                  rate,
                  unit,
                  offeredRequestsPerSecond: round(offered),
                  elapsedSeconds: round(Math.min(elapsed, seconds), 1),
                  stepSeconds: seconds,
                  sent: recorder.sent,
                  ok: recorder.ok,
                  errors: recorder.errors,
                  inFlight: recorder.inFlight,
                  achievedRequestsPerSecond: round(recorder.ok / Math.max(elapsed, 0.001), 1),
                  p99Ms: (() => {
                    const p = percentileOfSorted(sortedCopy(recorder.latencies), 99);
                    return p === null ? null : round(p, 1);
                  })(),
                });
              }, opts.progressIntervalMs ?? 1000);
            }
          }
          if (totalSent >= opts.maxRequests) return false;
          totalSent++;
          fire(picker.next(), intendedAt, rec);
          return true;
        },
      });
      // Drain: every request ends by its answer, its timeout or the interrupt grace.
      while (inflight.size > 0) await Promise.all([...inflight]);
      clearInterval(sweeper);
      if (progressTimer !== undefined) clearInterval(progressTimer);
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      opts.signal?.removeEventListener("abort", onInterrupt);
      return { rec, run, offered };
    };

    if (opts.warmupSeconds > 0 && opts.steps.length > 0) {
      const warm = await runPhase(null, opts.steps[0], opts.warmupSeconds);
      if (warm.rec !== undefined) {
        log(`warm-up: ${warm.rec.ok}/${warm.rec.sent} ok, p99 ${summarize(warm.rec.latencies).p99 ?? "-"} ms`);
        if (warm.rec.errors > 0) warnings.push(`warm-up: ${warm.rec.errors} of ${warm.rec.sent} requests failed (${formatStatusCounts(warm.rec.statusCounts)})`);
      }
      if (warm.run.stoppedBy === "signal") stoppedBy = "SIGINT";
      if (warm.run.stoppedBy === "callback") stoppedBy = "budget";
    }

    for (let i = 0; i < opts.steps.length && stoppedBy === null; i++) {
      if (opts.signal?.aborted) {
        stoppedBy = "SIGINT";
        break;
      }
      const rate = opts.steps[i];
      const { rec, run, offered } = await runPhase(i, rate, opts.stepSeconds);

      // Ctrl-C during the drain cancels the slowest requests: such a step is not judged either.
      const cancelled = (rec?.statusCounts.aborted ?? 0) > 0;
      const interruptedBy =
        run.stoppedBy === "signal" || cancelled ? "a stop signal (Ctrl-C or SIGTERM)" : run.stoppedBy === "callback" ? "the request budget (--max-requests)" : null;
      if (rec !== undefined) {
        const step = toStepReport(rec, scenario, rate, offered, run.planned, run.endedAt, opts.stepSeconds, opts.slo, interruptedBy);
        steps.push(step);
        if (step.sendLagMs.p99 !== null && step.sendLagMs.p99 > SEND_LAG_WARNING_MS) {
          warnings.push(
            `at ${rate} ${unit} the generator sent requests up to ${step.sendLagMs.p99} ms late (p99): ` +
              `the client machine is saturated and its delay is part of the latencies`,
          );
        }
        const apply = step.byKind.apply;
        if (apply !== undefined && apply.sent > 0 && (apply.statusCounts["201"] ?? 0) === 0 && (apply.statusCounts["409"] ?? 0) > 0) {
          warnings.push(
            `at ${rate} ${unit} every application was refused (409): the missions are full, so only ` +
              `the refusal path was measured; add missions or places to measure accepted applications`,
          );
        }
        if ((step.statusCounts["429"] ?? 0) > 0) {
          warnings.push(
            `at ${rate} ${unit} the target answered 429 ${step.statusCounts["429"]} times: ` +
              `its rate limit, not its capacity, was measured; exempt the generator's address for the campaign`,
          );
        }
        log(`step ${i + 1}/${opts.steps.length}: ${step.verdict.result}${step.verdict.reasons.length ? ` (${step.verdict.reasons.join("; ")})` : ""}`);
        if (step.verdict.result === "failed") break;
      }
      if (run.stoppedBy === "signal") {
        stoppedBy = "SIGINT";
        break;
      }
      if (run.stoppedBy === "callback") {
        stoppedBy = "budget";
        break;
      }
    }
  } finally {
    pumping = false;
    await pump;
    await target.close();
  }

  const conclusion = conclude(steps, opts.steps, opts.instances, stoppedBy, unit);
  const totals = { sent: 0, ok: 0, errors: 0, signupsOk: 0 };
  for (const s of steps) {
    totals.sent += s.sent;
    totals.ok += s.ok;
    totals.errors += s.errors;
    totals.signupsOk += s.byKind.signup?.ok ?? 0;
  }
  let cache: CampaignReport["cache"];
  if (scenario === "home") {
    const judged = steps.filter((s) => s.verdict.result !== "interrupted" && s.cache !== undefined);
    const hits = judged.reduce((n, s) => n + (s.cache?.hits ?? 0), 0);
    const all = judged.reduce((n, s) => n + (s.cache?.hits ?? 0) + (s.cache?.misses ?? 0), 0);
    const goal = opts.slo.minCacheHitRatio ?? DEFAULT_CACHE_HIT_GOAL;
    const hitRatio = all === 0 ? null : round(hits / all, 4);
    cache = { hitRatio, goal, met: hitRatio !== null && hitRatio >= goal };
  }
  return {
    tool: "renfort-loadtest",
    schemaVersion: 2,
    runId: opts.runId,
    target: opts.url,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    config: {
      scenario,
      unit,
      steps: opts.steps,
      stepSeconds: opts.stepSeconds,
      warmupSeconds: opts.warmupSeconds,
      slo: opts.slo,
      mix: formatMix(mix),
      instances: opts.instances,
      clientIps: opts.clientIps,
      maxRequests: opts.maxRequests,
      timeoutMs: opts.timeoutMs,
      connections: opts.connections,
      hostHeader: opts.hostHeader ?? null,
      servername: opts.servername ?? null,
      mainHost: opts.mainHost ?? null,
    },
    ...conclusion,
    totals,
    ...(cache === undefined ? {} : { cache }),
    warnings,
    steps,
  };
}
