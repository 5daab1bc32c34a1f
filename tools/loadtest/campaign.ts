/**
 * The campaign: steps of constant arrival rate against one target, each judged against the SLO, escalating
 * only while steps hold.
 */
import { performance } from "node:perf_hooks";
import { HttpTarget, failureName } from "./client";
import { formatMix, MixPicker, totalRateFor, withoutKind, type Mix, type RequestKind } from "./mix";
import { round, sortedCopy, percentileOfSorted, summarize } from "./percentiles";
import { conclude, formatStatusCounts, type CampaignReport, type StepReport } from "./report";
import { runArrivals } from "./scheduler";
import { errorRate, judgeStep, type Slo } from "./slo";
import { PAGE_PATHS, extractMissionIds, isExpectedAnswer, makeSignup, visitorAddress } from "./traffic";

export interface CampaignOptions {
  /** Base URL of the target (one instance, or a load balancer: see `instances`). */
  url: string;
  /** Signups per second of each step, in order. */
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
  /** Aborting it stops the campaign cleanly (in-flight requests get a short grace, then are cancelled). */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  progressIntervalMs?: number;
  log?: (line: string) => void;
}

export interface Progress {
  stepIndex: number;
  stepCount: number;
  signupsPerSecond: number;
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
  signupsPerSecond: number,
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
  const verdict = judgeStep(
    {
      offeredRequestsPerSecond: round(offered),
      achievedRequestsPerSecond,
      sent: rec.sent,
      errors: rec.errors,
      p99Ms: latencyMs.p99,
      interruptedBy,
    },
    slo,
  );
  return {
    signupsPerSecond,
    offeredRequestsPerSecond: round(offered),
    durationSeconds: round(durationMs / 1000),
    planned,
    sent: rec.sent,
    completed: rec.completed,
    ok: rec.ok,
    errors: rec.errors,
    errorRate: round(errorRate(rec.errors, rec.sent), 6),
    achievedRequestsPerSecond,
    achievedSignupsPerSecond: byKind.signup?.achievedPerSecond ?? 0,
    latencyMs,
    sendLagMs: summarize(rec.sendLags),
    statusCounts: rec.statusCounts,
    byKind,
    verdict,
  };
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignReport> {
  const log = opts.log ?? (() => undefined);
  const startedAt = new Date();
  const warnings: string[] = [];
  const target = new HttpTarget(opts.url, { connections: opts.connections, timeoutMs: opts.timeoutMs, runId: opts.runId });
  let mix = opts.mix;
  let missionIds: string[] = [];
  const steps: StepReport[] = [];
  let stoppedBy: "SIGINT" | "budget" | null = null;
  let totalSent = 0;
  let signupSeq = 0;
  let missionCursor = 0;
  let pageCursor = 0;
  // Emails of volunteers this campaign signed up, each used once for an application.
  const signedUp: string[] = [];
  let signedUpHead = 0;

  try {
    // Reachability first: a wrong URL should fail in a second with a clear message, not as a failed step.
    try {
      await target.request("GET", "/healthz", undefined, false, AbortSignal.timeout(opts.timeoutMs));
    } catch (err) {
      throw new Error(`cannot reach ${opts.url} (GET /healthz: ${failureName(err)}); is the app running there?`, { cause: err });
    }
    if (mix.apply > 0) {
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
      signupsPerSecond: number,
      seconds: number,
    ): Promise<{ rec: StepRecorder | undefined; run: Awaited<ReturnType<typeof runArrivals>>; offered: number }> => {
      const offered = totalRateFor(signupsPerSecond, mix);
      const picker = new MixPicker(mix);
      const stepAbort = new AbortController();
      const inflight = new Set<Promise<void>>();
      let rec: StepRecorder | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      const onInterrupt = (): void => {
        graceTimer = setTimeout(() => stepAbort.abort(), INTERRUPT_GRACE_MS);
      };
      opts.signal?.addEventListener("abort", onInterrupt, { once: true });

      const fire = (kind: RequestKind, intendedAt: number, r: StepRecorder): void => {
        let method: "GET" | "POST" = "POST";
        let path: string;
        let body: unknown;
        let email: string | undefined;
        if (kind === "apply" && signedUpHead < signedUp.length) {
          path = `/api/missions/${encodeURIComponent(missionIds[missionCursor++ % missionIds.length])}/applications`;
          body = { email: signedUp[signedUpHead++] };
        } else if (kind === "pages") {
          method = "GET";
          path = PAGE_PATHS[pageCursor++ % PAGE_PATHS.length];
        } else {
          // No volunteer of this campaign is left to apply yet (first requests): a signup takes the slot.
          kind = "signup";
          path = "/api/volunteers";
          const signup = makeSignup(opts.runId, signupSeq++, opts.emailDomain);
          email = signup.email;
          body = signup;
        }
        const ks = r.kind(kind);
        r.sent++;
        ks.sent++;
        r.inFlight++;
        r.sendLags.push(performance.now() - intendedAt);
        const signal = AbortSignal.any([stepAbort.signal, AbortSignal.timeout(opts.timeoutMs)]);
        const visitor = opts.clientIps > 0 ? { "cf-connecting-ip": visitorAddress(totalSent % opts.clientIps) } : undefined;
        const p = target
          .request(method, path, body, kind === "apply", signal, visitor)
          .then(
            (res) => {
              const ok = isExpectedAnswer(kind, res.statusCode, res.body);
              return { status: String(res.statusCode), ok, answered: true };
            },
            (err: unknown) => {
              const name = stepAbort.signal.aborted ? "aborted" : signal.aborted ? "timeout" : failureName(err);
              return { status: name, ok: false, answered: false };
            },
          )
          .then(({ status, ok, answered }) => {
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
              if (kind === "signup" && email !== undefined) signedUp.push(email);
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
          ? `warm-up: ${signupsPerSecond} signups/s (${round(offered)} requests/s) for ${seconds} s, not judged`
          : `step ${i + 1}/${opts.steps.length}: ${signupsPerSecond} signups/s (${round(offered)} requests/s) for ${seconds} s`,
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
                  signupsPerSecond,
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
      const signupsPerSecond = opts.steps[i];
      const { rec, run, offered } = await runPhase(i, signupsPerSecond, opts.stepSeconds);

      // Ctrl-C during the drain cancels the slowest requests: such a step is not judged either.
      const cancelled = (rec?.statusCounts.aborted ?? 0) > 0;
      const interruptedBy =
        run.stoppedBy === "signal" || cancelled ? "a stop signal (Ctrl-C or SIGTERM)" : run.stoppedBy === "callback" ? "the request budget (--max-requests)" : null;
      if (rec !== undefined) {
        const step = toStepReport(rec, signupsPerSecond, offered, run.planned, run.endedAt, opts.stepSeconds, opts.slo, interruptedBy);
        steps.push(step);
        if (step.sendLagMs.p99 !== null && step.sendLagMs.p99 > SEND_LAG_WARNING_MS) {
          warnings.push(
            `at ${signupsPerSecond} signups/s the generator sent requests up to ${step.sendLagMs.p99} ms late (p99): ` +
              `the client machine is saturated and its delay is part of the latencies`,
          );
        }
        const apply = step.byKind.apply;
        if (apply !== undefined && apply.sent > 0 && (apply.statusCounts["201"] ?? 0) === 0 && (apply.statusCounts["409"] ?? 0) > 0) {
          warnings.push(
            `at ${signupsPerSecond} signups/s every application was refused (409): the missions are full, so only ` +
              `the refusal path was measured; add missions or places to measure accepted applications`,
          );
        }
        if ((step.statusCounts["429"] ?? 0) > 0) {
          warnings.push(
            `at ${signupsPerSecond} signups/s the target answered 429 ${step.statusCounts["429"]} times: ` +
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
    await target.close();
  }

  const conclusion = conclude(steps, opts.steps, opts.instances, stoppedBy);
  const totals = { sent: 0, ok: 0, errors: 0, signupsOk: 0 };
  for (const s of steps) {
    totals.sent += s.sent;
    totals.ok += s.ok;
    totals.errors += s.errors;
    totals.signupsOk += s.byKind.signup?.ok ?? 0;
  }
  return {
    tool: "renfort-loadtest",
    schemaVersion: 1,
    runId: opts.runId,
    target: opts.url,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    config: {
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
    },
    ...conclusion,
    totals,
    warnings,
    steps,
  };
}
