/** The live progress line of a running campaign. */
import type { Progress } from "./campaign";

export function formatProgress(p: Progress): string {
  const errPct = p.sent === 0 ? 0 : (p.errors / p.sent) * 100;
  return (
    `step ${p.stepIndex + 1}/${p.stepCount} ${p.rate} ${p.unit} ` +
    `[${p.elapsedSeconds.toFixed(1)}/${p.stepSeconds} s] ` +
    `offered ${p.offeredRequestsPerSecond}/s achieved ${p.achievedRequestsPerSecond.toFixed(1)}/s ` +
    `p99 ${p.p99Ms === null ? "-" : `${p.p99Ms.toFixed(1)} ms`} ` +
    `errors ${p.errors} (${errPct.toFixed(2)}%) in flight ${p.inFlight}`
  );
}
