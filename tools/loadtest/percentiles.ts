/**
 * Exact latency percentiles over every recorded value.
 *
 * A campaign step records at most a few tens of thousands of latencies, so keeping them all and sorting
 * once is cheap and exact; no histogram bucketing error enters the SLO verdict.
 *
 * Definition: the nearest-rank method (the smallest recorded value such that at least p% of the values
 * are less than or equal to it), https://en.wikipedia.org/wiki/Percentile#The_nearest-rank_method.
 * It never interpolates, so a reported p99 is always a latency some request really had.
 */

/** Latency summary of a set of requests, in milliseconds. Empty sets give `null` fields. */
export interface LatencySummary {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentile of values already sorted ascending; `null` for an empty list. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number | null {
  if (!(p > 0 && p <= 100)) {
    throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  }
  const n = sorted.length;
  if (n === 0) return null;
  // The epsilon keeps e.g. 0.95 * 20 = 19.000000000000004 from ranking one place too high.
  const rank = Math.max(1, Math.ceil((p / 100) * n - 1e-9));
  return sorted[Math.min(rank, n) - 1];
}

/** Sorts a copy of the values ascending (numerically: `Array.prototype.sort` compares strings). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(values);
  copy.sort();
  return copy;
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: ArrayLike<number>, p: number): number | null {
  return percentileOfSorted(sortedCopy(values), p);
}

/** Rounds to a fixed number of decimals so reports stay readable and diffable. */
export function round(value: number, decimals = 2): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** count, min, mean, p50, p95, p99, max of a set of latencies. */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  if (n === 0) {
    return { count: 0, min: null, mean: null, p50: null, p95: null, p99: null, max: null };
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const r = (v: number | null): number | null => (v === null ? null : round(v));
  return {
    count: n,
    min: r(sorted[0]),
    mean: r(sum / n),
    p50: r(percentileOfSorted(sorted, 50)),
    p95: r(percentileOfSorted(sorted, 95)),
    p99: r(percentileOfSorted(sorted, 99)),
    max: r(sorted[n - 1]),
  };
}
