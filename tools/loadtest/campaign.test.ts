import { runCampaign, type CampaignOptions, type Progress } from "./campaign";
import { parseMix } from "./mix";
import { campaignReportSchema, renderMarkdown } from "./report";
import { DEFAULT_SLO } from "./slo";
import { startFakeApp, type FakeApp } from "./testing/fakeApp";

// Real sockets and timers: the root multi-project run applies jest's 5 s default, not the infra project's.
jest.setTimeout(30_000);

function options(app: FakeApp, patch: Partial<CampaignOptions>): CampaignOptions {
  return {
    url: app.url,
    steps: [50, 100],
    stepSeconds: 1,
    // Tests about mix, errors and interrupts use a loose latency SLO: the suite shares two cores with
    // everything else, and a descheduled test process must not fail them. Latency verdicts set their own.
    slo: { ...DEFAULT_SLO, p99Ms: 1000 },
    mix: parseMix("signup=1"),
    instances: 1,
    clientIps: 0,
    warmupSeconds: 0,
    maxRequests: 100_000,
    timeoutMs: 5000,
    connections: 256,
    emailDomain: "example.org",
    runId: `t${Math.random().toString(36).slice(2, 8)}`,
    // what following each mailed link does: applicants are active volunteers
    activate: (emails) => app.activate(emails),
    ...patch,
  };
}

describe("runCampaign", () => {
  let app: FakeApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("holds every step against a healthy server, with the whole mix and unique signups", async () => {
    app = await startFakeApp({ missions: [{ id: 11, places: 3 }, { id: 12, places: 3 }] });
    const progress: Progress[] = [];
    const report = await runCampaign(
      options(app, { mix: parseMix("signup=0.8,pages=0.15,apply=0.05"), onProgress: (p) => progress.push(p), progressIntervalMs: 250 }),
    );
    expect(campaignReportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({
      outcome: "held-all-steps",
      lastHeldStep: 100,
      firstFailedStep: null,
      heldRatePerInstance: 100,
      ceilingFound: false,
    });
    // The only warning a healthy run may carry is about this busy test machine's own send lag.
    expect(report.warnings.filter((w) => !/the generator sent requests up to/.test(w))).toEqual([]);
    expect(report.summary).toMatch(/Every step held the SLO up to 100 signups\/s: one instance holds at least 100 signups\/s/);
    const [s50, s100] = report.steps;
    // Steps are signups per second; pages and applications ride on top (0.8 share -> x1.25).
    expect(s50).toMatchObject({ rate: 50, offeredRequestsPerSecond: 62.5, planned: 62, sent: 62 });
    expect(s100).toMatchObject({ rate: 100, offeredRequestsPerSecond: 125, planned: 125, sent: 125, errors: 0 });
    expect(s100.byKind.signup.achievedPerSecond).toBeGreaterThan(95);
    expect(s100.byKind.signup.sent).toBe(100);
    expect(s100.byKind.pages.sent).toBe(19);
    expect(s100.byKind.apply.sent).toBe(6);
    // Every signup was new to the server, applications used volunteers of this campaign.
    expect(app.rejectedSignups).toBe(0);
    expect(app.signups.size).toBe(report.totals.signupsOk);
    expect(app.applications.length).toBe(6);
    const served = app;
    expect(served.applications.every((a) => served.signups.has(a.email))).toBe(true);
    // Full missions answer 409 mission_full, which is a correct answer, not an error.
    expect(s100.statusCounts["409"]).toBeGreaterThan(0);
    // 6 places in all: the first applications are accepted, the rest refused.
    expect((s50.byKind.apply?.statusCounts["201"] ?? 0) + (s100.byKind.apply.statusCounts["201"] ?? 0)).toBe(6);
    expect(s100.byKind.apply.statusCounts["409"]).toBeGreaterThan(0);
    expect(s100.byKind.signup.statusCounts).toEqual({ "202": 100 });
    expect(s100.verdict).toEqual({ result: "held", reasons: [] });
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatchObject({ stepIndex: 1, stepCount: 2, rate: 100 });
    const md = renderMarkdown(report);
    expect(md).toContain("| 100 | 125 |");
    expect(md).toContain("**100 signups/s per instance** (a floor: every step run held)");
  });

  it("fails at the first step the server cannot carry, and names the last step that held", async () => {
    // A saturated origin: one request at a time, 5 ms each (200/s). 50 and 100/s fit; at 400/s the queue
    // grows by 200 requests a second, so latency climbs far past the SLO and the server falls behind.
    // (SLO p99 500 ms: wide of both the held steps' few ms, with room for a loaded machine's timer lag,
    // and the failing step's ~1.5 s.)
    app = await startFakeApp({ serviceRatePerSecond: 200 });
    const report = await runCampaign(options(app, { steps: [50, 100, 400, 600], stepSeconds: 1.5, slo: { ...DEFAULT_SLO, p99Ms: 500 } }));
    expect(report.steps.map((s) => [s.rate, s.verdict.result])).toEqual([
      [50, "held"],
      [100, "held"],
      [400, "failed"],
    ]);
    expect(report).toMatchObject({ outcome: "failed", lastHeldStep: 100, firstFailedStep: 400, heldRatePerInstance: 100, ceilingFound: true });
    const failed = report.steps[2];
    expect(failed.errors).toBe(0);
    expect(failed.verdict.reasons).toHaveLength(2);
    expect(failed.verdict.reasons[0]).toMatch(/^p99 \d+(\.\d+)? ms > SLO 500 ms$/);
    // The server answers about 200/s; what the step counts as achieved also takes answers that arrive in
    // its closing allowance (230–270/s seen), so the behaviour asserted is the verdict: under 95 % of 400/s.
    expect(failed.verdict.reasons[1]).toMatch(/^achieved \d+(\.\d+)?\/s is .* of offered 400\/s < min 95%$/);
    expect(failed.latencyMs.p99).toBeGreaterThan(1000);
    expect(failed.achievedRequestsPerSecond).toBeLessThan(380);
    expect(report.steps[1].latencyMs.p99).toBeLessThan(500);
    expect(report.summary).toBe(
      "The step at 400 signups/s failed the SLO; the last step that held was 100 signups/s: one instance holds 100 signups/s.",
    );
  });

  it("counts a stall from the intended send time (no coordinated omission)", async () => {
    // The server answers nothing for 300 ms in the middle of a 2 s step at 100/s: about 30 requests
    // wait, most of them for a long time. A closed loop would have recorded one slow request.
    app = await startFakeApp({ freeze: { fromMs: 800, toMs: 1100 } });
    const report = await runCampaign(options(app, { steps: [100], stepSeconds: 2, slo: DEFAULT_SLO }));
    const step = report.steps[0];
    expect(step.errors).toBe(0);
    expect(step.latencyMs.max).toBeGreaterThan(250);
    expect(step.latencyMs.p99).toBeGreaterThan(200);
    expect(step.latencyMs.p95).toBeGreaterThan(100);
    expect(step.verdict.result).toBe("failed");
    expect(report.summary).toMatch(/The first step \(100 signups\/s\) already failed/);
    expect(report.heldRatePerInstance).toBeNull();
  });

  it("fails a step whose errors exceed the budget, and counts a 409 on signup as an error", async () => {
    app = await startFakeApp({ conflictEvery: 50 });
    const report = await runCampaign(options(app, { steps: [100], stepSeconds: 1 }));
    const step = report.steps[0];
    expect(step.statusCounts).toEqual({ "202": 98, "409": 2 });
    expect(step.errors).toBe(2);
    expect(step.errorRate).toBe(0.02);
    expect(step.verdict.reasons).toEqual(["error rate 2% (2/100) > max 0.1%"]);
  });

  it("warns when every application is refused because the missions are full", async () => {
    app = await startFakeApp({ missions: [{ id: 1, places: 0 }] });
    const report = await runCampaign(options(app, { steps: [100], mix: parseMix("signup=0.8,apply=0.2") }));
    // An application due before any signup of the campaign has been answered goes out as a signup instead.
    expect(Object.keys(report.steps[0].byKind.apply.statusCounts)).toEqual(["409"]);
    expect(report.steps[0].byKind.apply.statusCounts["409"]).toBeGreaterThanOrEqual(20);
    expect(report.steps[0].verdict.result).toBe("held");
    expect(report.warnings).toContain(
      "at 100 signups/s every application was refused (409): the missions are full, so only the refusal path was measured; add missions or places to measure accepted applications",
    );
  });

  it("skips applications with a warning when no activation is configured (signups stay pending)", async () => {
    app = await startFakeApp();
    const report = await runCampaign(options(app, { steps: [50], mix: parseMix("signup=0.8,pages=0.15,apply=0.05"), activate: undefined }));
    expect(report.warnings).toContain(
      "applications need active volunteers and no activation is configured (LOADTEST_ACTIVATION_DATABASE_URL): applications are skipped, mix is now signup=0.8421,pages=0.1579",
    );
    expect(Object.keys(report.steps[0].byKind).sort()).toEqual(["pages", "signup"]);
  });

  it("skips applications with a warning when the target has no mission", async () => {
    app = await startFakeApp({ missions: [] });
    const report = await runCampaign(options(app, { steps: [50], mix: parseMix("signup=0.8,pages=0.15,apply=0.05") }));
    expect(report.warnings).toContain("the target lists no mission: applications are skipped, mix is now signup=0.8421,pages=0.1579");
    expect(report.config.mix).toBe("signup=0.8421,pages=0.1579");
    expect(Object.keys(report.steps[0].byKind).sort()).toEqual(["pages", "signup"]);
    expect(report.steps[0].byKind.signup.sent).toBe(50);
  });

  it("stops cleanly on interrupt and returns the partial report", async () => {
    app = await startFakeApp({ fixedDelayMs: 20 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 1500);
    const report = await runCampaign(options(app, { steps: [50, 100, 150], stepSeconds: 1, signal: ac.signal }));
    expect(report.outcome).toBe("interrupted");
    expect(report.steps.map((s) => s.verdict.result)).toEqual(["held", "interrupted"]);
    expect(report.steps[1].sent).toBeGreaterThan(20);
    expect(report.steps[1].sent).toBeLessThan(100);
    expect(report.lastHeldStep).toBe(50);
    expect(report.summary).toMatch(/Stopped early \(the campaign was interrupted\); the last step that held was 50 signups\/s/);
  });

  it("warms up at the first step's rate without judging or reporting it as a step", async () => {
    app = await startFakeApp();
    const lines: string[] = [];
    const report = await runCampaign(options(app, { steps: [50], stepSeconds: 1, warmupSeconds: 0.5, log: (l) => lines.push(l) }));
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0].sent).toBe(50);
    expect(app.arrivals.length).toBe(1 + 25 + 50);
    expect(report.config.warmupSeconds).toBe(0.5);
    expect(lines[0]).toBe("warm-up: 50 signups/s (50 requests/s) for 0.5 s, not judged");
    expect(lines[1]).toMatch(/^warm-up: 25\/25 ok, p99 [\d.]+ ms$/);
  });

  it("simulates distinct visitors with CF-Connecting-IP when asked", async () => {
    app = await startFakeApp();
    const report = await runCampaign(options(app, { steps: [100], stepSeconds: 1, clientIps: 40 }));
    expect(report.config.clientIps).toBe(40);
    expect(app.visitors.size).toBe(40);
    expect([...app.visitors.keys()].every((ip) => /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d+\.\d+$/.test(ip))).toBe(true);
    expect([...app.visitors.values()].every((n) => n === 2 || n === 3)).toBe(true);
  });

  it("never sends more than --max-requests", async () => {
    app = await startFakeApp();
    const report = await runCampaign(options(app, { steps: [50, 100], stepSeconds: 1, maxRequests: 80 }));
    expect(report.outcome).toBe("budget-exhausted");
    expect(report.totals.sent).toBe(80);
    expect(app.arrivals.length).toBe(81); // + the /healthz reachability check
    expect(app.visitors.size).toBe(0); // no CF-Connecting-IP unless asked
    expect(report.steps[1].verdict.reasons[0]).toMatch(/interrupted by the request budget/);
  });

  it("times out every request that outlives --timeout-ms, as an error", async () => {
    // Every answer after the reachability check's is held for 4 s; the timeout is 300 ms. One connection:
    // the requests queued behind it (no timer of undici's runs yet) must time out from when they were sent.
    app = await startFakeApp({ freeze: { fromMs: 50, toMs: 4000 } });
    const started = Date.now();
    const report = await runCampaign(options(app, { steps: [20], timeoutMs: 300, connections: 1, slo: { ...DEFAULT_SLO, p99Ms: 5000 } }));
    const s = report.steps[0];
    // (The first request may beat the freeze, which starts 50 ms after the reachability check.)
    expect(s.statusCounts.timeout).toBeGreaterThanOrEqual(18);
    expect(s.statusCounts.timeout + (s.statusCounts["202"] ?? 0)).toBe(20);
    expect(s.errors).toBe(s.statusCounts.timeout);
    expect(s.latencyMs.p99).toBeGreaterThanOrEqual(300);
    expect(s.latencyMs.max).toBeLessThan(1000);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses to start when the target does not answer", async () => {
    app = await startFakeApp();
    const url = app.url;
    await app.close();
    app = undefined;
    await expect(runCampaign({ ...options({ url } as FakeApp, {}), url })).rejects.toThrow(
      /cannot reach http:\/\/127\.0\.0\.1:\d+ \(GET \/healthz: ECONNREFUSED\); is it running there\?/,
    );
  });
});
