import { conclude, formatStatusCounts } from "./report";

type R = "held" | "failed" | "interrupted";
const s = (rate: number, result: R) => ({ rate, verdict: { result, reasons: [] } });
const PLAN = [50, 100, 150, 300, 450, 600];

describe("conclude", () => {
  it.each<[string, ReturnType<typeof s>[], number, "SIGINT" | "budget" | null, object]>([
    [
      "every step held",
      PLAN.map((r) => s(r, "held")),
      1,
      null,
      { outcome: "held-all-steps", lastHeldStep: 600, firstFailedStep: null, heldRatePerInstance: 600, ceilingFound: false },
    ],
    [
      "failed at 450",
      [s(50, "held"), s(100, "held"), s(150, "held"), s(300, "held"), s(450, "failed")],
      1,
      null,
      { outcome: "failed", lastHeldStep: 300, firstFailedStep: 450, heldRatePerInstance: 300, ceilingFound: true },
    ],
    ["failed at the first step", [s(50, "failed")], 1, null, { outcome: "failed", lastHeldStep: null, firstFailedStep: 50, heldRatePerInstance: null }],
    [
      "behind a load balancer of 3 instances",
      [s(50, "held"), s(100, "held"), s(150, "failed")],
      3,
      null,
      { outcome: "failed", lastHeldStep: 100, heldRatePerInstance: 33.33 },
    ],
    ["interrupted", [s(50, "held"), s(100, "interrupted")], 1, "SIGINT", { outcome: "interrupted", lastHeldStep: 50, heldRatePerInstance: 50, ceilingFound: false }],
    ["budget exhausted", [s(50, "held"), s(100, "interrupted")], 1, "budget", { outcome: "budget-exhausted", lastHeldStep: 50 }],
    ["interrupted before any step", [], 1, "SIGINT", { outcome: "interrupted", lastHeldStep: null, heldRatePerInstance: null }],
  ])("%s", (_name, steps, instances, stoppedBy, expected) => {
    expect(conclude(steps, PLAN, instances, stoppedBy)).toMatchObject(expected);
  });

  it("writes a summary a closing note can quote", () => {
    expect(conclude([s(50, "held"), s(100, "held"), s(150, "failed")], PLAN, 1, null).summary).toBe(
      "The step at 150 signups/s failed the SLO; the last step that held was 100 signups/s: one instance holds 100 signups/s.",
    );
    expect(conclude(PLAN.map((r) => s(r, "held")), PLAN, 2, null).summary).toBe(
      "Every step held the SLO up to 600 signups/s: each of 2 instances holds at least 300 signups/s (ceiling not reached).",
    );
    expect(conclude([s(50, "failed")], PLAN, 1, null).summary).toBe("The first step (50 signups/s) already failed the SLO: no rate was shown to hold.");
    expect(conclude([], PLAN, 1, "budget").summary).toBe("Stopped before any step held (the request budget (--max-requests) ran out).");
  });

  it("formats status counts in a stable order", () => {
    expect(formatStatusCounts({ timeout: 2, "409": 1, "201": 99 })).toBe("201×99 409×1 timeout×2");
  });
});
