import { DEFAULT_SLO, errorRate, judgeStep, type StepMeasurement } from "./slo";

const healthy: StepMeasurement = {
  offeredRequestsPerSecond: 600,
  achievedRequestsPerSecond: 598.4,
  sent: 18000,
  errors: 0,
  p99Ms: 12.5,
  interruptedBy: null,
};

describe("judgeStep", () => {
  it.each<[string, Partial<StepMeasurement>, "held" | "failed" | "interrupted", RegExp[]]>([
    ["healthy step holds", {}, "held", []],
    ["p99 exactly at the SLO holds", { p99Ms: 100 }, "held", []],
    ["p99 above the SLO fails", { p99Ms: 100.01 }, "failed", [/^p99 100.01 ms > SLO 100 ms$/]],
    ["errors exactly at the budget hold", { errors: 18 }, "held", []],
    ["one error over the budget fails", { errors: 19 }, "failed", [/^error rate 0.106% \(19\/18000\) > max 0.1%$/]],
    ["a server that fell behind fails", { achievedRequestsPerSecond: 500 }, "failed", [/achieved 500\/s is 83.333% of offered 600\/s < min 95%/]],
    [
      "every violated condition is named",
      { p99Ms: 2500, errors: 1000, achievedRequestsPerSecond: 300 },
      "failed",
      [/^p99 2500 ms/, /^error rate/, /^achieved 300/],
    ],
    ["nothing completed fails", { p99Ms: null, errors: 18000, achievedRequestsPerSecond: 0 }, "failed", [/no request completed/, /error rate 100%/, /achieved 0/]],
    ["nothing sent fails", { sent: 0, p99Ms: null }, "failed", [/no request was sent/]],
    ["an interrupted step is not judged", { interruptedBy: "SIGINT", p99Ms: 5000 }, "interrupted", [/interrupted by SIGINT; not judged/]],
  ])("%s", (_name, patch, result, reasons) => {
    const verdict = judgeStep({ ...healthy, ...patch }, DEFAULT_SLO);
    expect(verdict.result).toBe(result);
    expect(verdict.reasons).toHaveLength(reasons.length);
    reasons.forEach((re, i) => expect(verdict.reasons[i]).toMatch(re));
  });

  it("applies the configured SLO", () => {
    expect(judgeStep({ ...healthy, p99Ms: 60 }, { ...DEFAULT_SLO, p99Ms: 50 }).result).toBe("failed");
    expect(judgeStep({ ...healthy, errors: 100 }, { ...DEFAULT_SLO, maxErrorRate: 0.01 }).result).toBe("held");
  });

  it("computes the error rate", () => {
    expect(errorRate(0, 0)).toBe(0);
    expect(errorRate(1, 1000)).toBe(0.001);
  });
});
