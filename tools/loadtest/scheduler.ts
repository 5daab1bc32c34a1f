/**
 * Open-model arrival scheduler.
 *
 * Request i of a step is due at `start + i / rate`, whatever happened to the requests before it: the
 * generator never waits for a response before sending the next request (a closed loop would slow down
 * with the server and hide the stall, the "coordinated omission" described by Gil Tene,
 * https://www.scylladb.com/2021/04/22/on-coordinated-omission/). Each timer tick emits every request that
 * is due by now, so a late timer or a busy event loop catches up instead of drifting: the schedule is
 * absolute, not a chain of relative sleeps. Each request carries its intended send time, and its latency
 * is measured from there, so time spent queued behind a stalled server or a late tick counts.
 */
import { performance } from "node:perf_hooks";

/** Requests a step of `durationMs` at `ratePerSecond` plans to send. */
export function plannedCount(ratePerSecond: number, durationMs: number): number {
  // The epsilon absorbs float error in products that are whole numbers (e.g. 187.5/s for 30 s).
  return Math.max(0, Math.floor((ratePerSecond * durationMs) / 1000 + 1e-9));
}

/** Offset of request `index` from the step start, milliseconds. */
export function intendedOffsetMs(index: number, ratePerSecond: number): number {
  return (index * 1000) / ratePerSecond;
}

/** How many requests are due `elapsedMs` after the start (request 0 is due at once). */
export function dueCount(elapsedMs: number, ratePerSecond: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * ratePerSecond) / 1000 + 1e-9) + 1);
}

export interface ArrivalOptions {
  ratePerSecond: number;
  durationMs: number;
  /**
   * Called once per arrival, in order, with its index and intended time (on the `now` clock). Must not
   * block: fire the request and return. Returning `false` stops the schedule (e.g. request budget spent).
   */
  onArrival: (index: number, intendedAt: number) => boolean | void;
  /** Stops the schedule early (Ctrl-C). */
  signal?: AbortSignal;
  /** Monotonic clock in milliseconds; `performance.now` by default. */
  now?: () => number;
}

export interface ArrivalRun {
  /** Clock value the schedule started at. */
  startedAt: number;
  /** Clock value the schedule ended at (last emission or stop). */
  endedAt: number;
  /** Requests emitted. */
  emitted: number;
  planned: number;
  /** Why the schedule ended before `planned`: "signal" or "callback"; null when it completed. */
  stoppedBy: "signal" | "callback" | null;
}

/** Emits `plannedCount(rate, duration)` arrivals at a constant rate; resolves after the last one. */
export function runArrivals(opts: ArrivalOptions): Promise<ArrivalRun> {
  const { ratePerSecond, durationMs, onArrival, signal } = opts;
  if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${ratePerSecond}`);
  const now = opts.now ?? (() => performance.now());
  const planned = plannedCount(ratePerSecond, durationMs);
  const startedAt = now();
  let next = 0;

  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (stoppedBy: ArrivalRun["stoppedBy"]): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve({ startedAt, endedAt: now(), emitted: next, planned, stoppedBy });
    };
    const onAbort = (): void => finish("signal");
    if (signal?.aborted) return finish("signal");
    signal?.addEventListener("abort", onAbort, { once: true });

    const tick = (): void => {
      timer = undefined;
      const due = dueCount(now() - startedAt, ratePerSecond, planned);
      while (next < due) {
        const index = next;
        next++;
        if (onArrival(index, startedAt + intendedOffsetMs(index, ratePerSecond)) === false) {
          return finish("callback");
        }
        if (signal?.aborted) return; // onAbort already resolved
      }
      if (next >= planned) return finish(null);
      // Sleep until the next arrival is due on the absolute schedule (timers have ~1 ms granularity;
      // a late wake-up is caught up by the loop above and shows in the latencies).
      const wait = startedAt + intendedOffsetMs(next, ratePerSecond) - now();
      timer = setTimeout(tick, Math.max(0, wait));
    };
    tick();
  });
}
