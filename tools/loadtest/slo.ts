/**
 * The SLO verdict of one campaign step.
 *
 * A step holds when, at the offered arrival rate: the p99 latency (measured from each request's intended
 * send time) is within the SLO, the share of failed requests is within the error budget, and the server
 * kept up, i.e. the rate of successful responses is at least `minAchievedRatio` of the offered rate.
 * The last condition catches a server that falls behind: its good answers per second of the step (those
 * that arrived by the step's end plus the p99 allowance) stay below what was offered. The home scenario
 * adds the edge cache: at least `minCacheHitRatio` of its answers must come from the edge's cache.
 */

export interface Slo {
  /** p99 latency bound, milliseconds (--slo-p99-ms). */
  p99Ms: number;
  /** Highest acceptable failed/sent ratio (--max-error-rate), e.g. 0.001. */
  maxErrorRate: number;
  /** Lowest acceptable achieved/offered ratio (--min-achieved-ratio), e.g. 0.95. */
  minAchievedRatio: number;
  /** home scenario: lowest share of answers served from the edge cache (--min-cache-hit-ratio), e.g. 0.95. */
  minCacheHitRatio?: number;
}

export const DEFAULT_SLO: Slo = { p99Ms: 100, maxErrorRate: 0.001, minAchievedRatio: 0.95 };

/** The launch night's goal: at least 95 % of home page and asset requests served by the edge (issue 16). */
export const DEFAULT_CACHE_HIT_GOAL = 0.95;

export interface StepMeasurement {
  offeredRequestsPerSecond: number;
  achievedRequestsPerSecond: number;
  /** Requests sent during the step. */
  sent: number;
  /** Requests that did not get their expected answer (wrong status, network error, timeout). */
  errors: number;
  /** p99 latency of every request of the step, or null when none completed. */
  p99Ms: number | null;
  /** The step was cut short (Ctrl-C, request budget): it is reported but not judged. */
  interruptedBy: string | null;
  /** home scenario: hits / (hits + misses) of the step's answers, null when none arrived. */
  cacheHitRatio?: number | null;
}

export type StepResult = "held" | "failed" | "interrupted";

export interface Verdict {
  result: StepResult;
  /** Why it failed (every violated condition) or was not judged; empty when it held. */
  reasons: string[];
}

export function errorRate(errors: number, sent: number): number {
  return sent === 0 ? 0 : errors / sent;
}

const pct = (x: number): string => `${Number((x * 100).toFixed(3))}%`;

export function judgeStep(m: StepMeasurement, slo: Slo): Verdict {
  if (m.interruptedBy !== null) {
    return { result: "interrupted", reasons: [`step interrupted by ${m.interruptedBy}; not judged`] };
  }
  const reasons: string[] = [];
  if (m.sent === 0) {
    return { result: "failed", reasons: ["no request was sent"] };
  }
  if (m.p99Ms === null) {
    reasons.push("no request completed");
  } else if (m.p99Ms > slo.p99Ms) {
    reasons.push(`p99 ${m.p99Ms} ms > SLO ${slo.p99Ms} ms`);
  }
  const rate = errorRate(m.errors, m.sent);
  if (rate > slo.maxErrorRate) {
    reasons.push(`error rate ${pct(rate)} (${m.errors}/${m.sent}) > max ${pct(slo.maxErrorRate)}`);
  }
  const ratio = m.offeredRequestsPerSecond > 0 ? m.achievedRequestsPerSecond / m.offeredRequestsPerSecond : 1;
  if (ratio < slo.minAchievedRatio) {
    reasons.push(
      `achieved ${m.achievedRequestsPerSecond}/s is ${pct(ratio)} of offered ${m.offeredRequestsPerSecond}/s ` +
        `< min ${pct(slo.minAchievedRatio)}`,
    );
  }
  if (slo.minCacheHitRatio !== undefined && m.cacheHitRatio !== undefined) {
    if (m.cacheHitRatio === null) reasons.push("no answer carried a cache status");
    else if (m.cacheHitRatio < slo.minCacheHitRatio) {
      reasons.push(`edge cache hit ratio ${pct(m.cacheHitRatio)} < goal ${pct(slo.minCacheHitRatio)}`);
    }
  }
  return reasons.length === 0 ? { result: "held", reasons } : { result: "failed", reasons };
}
