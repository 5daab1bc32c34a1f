/**
 * Provenance of the per-instance capacity figure: a prod figure no load campaign measured fails the prod
 * gate unless the stack file carries a dated waiver; the plan and the plan diff show which it is.
 */
import { capacityProvenance, type CapacityConfig } from "./config/origin";
import { planStack } from "../tools/plan/plan";
import { diffPlans } from "../tools/plan/diff";
import { capacityLines } from "../tools/plan/render";
import { stackFileWith } from "../tools/plan/testing";

const base: CapacityConfig = { targetSignupsPerSecond: 600, headroom: 1.5, signupsPerSecondPerInstance: 150, connectionReserve: 20 };
const waiver = { reason: "awaits the prod campaign", until: "2026-12-31" };
const day = (iso: string) => new Date(iso);

describe("capacityProvenance", () => {
  it.each([
    ["measured", { ...base, measuredAt: "2026-11-29T17:03:12Z", measurementSource: "reports/prod.json" }, "prod", "2026-12-06T00:00:00Z", { status: "measured", measuredAt: "2026-11-29T17:03:12Z", measurementSource: "reports/prod.json" }, []],
    ["unmeasured in prod", base, "prod", "2026-12-06T00:00:00Z", { status: "unmeasured" }, ["signupsPerSecondPerInstance"]],
    ["unmeasured in staging", base, "staging", "2026-12-06T00:00:00Z", { status: "unmeasured" }, []],
    ["only half recorded (no source)", { ...base, measuredAt: "2026-11-29T17:03:12Z" }, "prod", "2026-12-06T00:00:00Z", { status: "unmeasured" }, ["signupsPerSecondPerInstance"]],
    ["waived, before until", { ...base, unmeasuredWaiver: waiver }, "prod", "2026-12-06T00:00:00Z", { status: "waived", ...waiver }, []],
    ["waived, on the until day", { ...base, unmeasuredWaiver: waiver }, "prod", "2026-12-31T23:59:59Z", { status: "waived", ...waiver }, []],
    ["waiver expired the next day", { ...base, unmeasuredWaiver: waiver }, "prod", "2027-01-01T00:00:00Z", { status: "waiver-expired", ...waiver }, ["unmeasuredWaiver", "until"]],
    ["waiver expired in staging", { ...base, unmeasuredWaiver: waiver }, "staging", "2027-01-01T00:00:00Z", { status: "waiver-expired", ...waiver }, []],
  ] as const)("%s", (_what, capacity, tier, now, provenance, issuePath) => {
    const r = capacityProvenance(capacity as CapacityConfig, tier, day(now));
    expect(r.provenance).toEqual(provenance);
    expect(r.issues.flatMap((i) => i.path)).toEqual(issuePath);
  });
});

describe("the committed prod stack", () => {
  const WAIVER = / {4}unmeasuredWaiver:\n {6}reason: .*\n {6}until: "2026-12-31"\n/;

  it("passes the gate with its waiver, and the plan says the figure is unmeasured and waived", async () => {
    const { plan, blocking } = await planStack({ stack: "prod", now: day("2026-12-06T12:00:00Z") });
    expect(blocking).toEqual([]);
    expect((plan.capacity as { provenance: unknown }).provenance).toEqual({ status: "waived", reason: expect.stringContaining("awaits a load campaign on a prod instance"), until: "2026-12-31" });
    expect(capacityLines(plan.capacity)[1]).toMatch(/^ {2}per-instance figure UNMEASURED, waived until 2026-12-31: awaits a load campaign/);
  });

  it("fails the gate without the waiver, naming the key and the fix", async () => {
    const configFile = stackFileWith("prod", WAIVER, "");
    const { plan, blocking } = await planStack({ stack: "prod", configFile, now: day("2026-12-06T12:00:00Z") });
    expect(blocking.map((v) => v.message)).toEqual([expect.stringMatching(/^renfort:capacity\.signupsPerSecondPerInstance was measured by no load campaign .*npm run capacity.*unmeasuredWaiver.*, got 150$/)]);
    expect((plan.capacity as { provenance: unknown }).provenance).toEqual({ status: "unmeasured" });
  });

  it("fails the gate once the waiver has expired (clock injected)", async () => {
    const { blocking } = await planStack({ stack: "prod", now: day("2027-01-01T00:00:00Z") });
    expect(blocking.map((v) => v.message)).toEqual([expect.stringMatching(/^renfort:capacity\.unmeasuredWaiver\.until has passed \(today is 2027-01-01\)/)]);
  });

  it("shows the waiver in the plan diff", async () => {
    const now = day("2026-12-06T12:00:00Z");
    const before = (await planStack({ stack: "prod", configFile: stackFileWith("prod", WAIVER, ""), now })).plan;
    const after = (await planStack({ stack: "prod", now })).plan;
    const changes = diffPlans(before, after).capacity.map((c) => c.path).sort();
    expect(changes).toEqual(["provenance.reason", "provenance.status", "provenance.until"]);
  });
});
