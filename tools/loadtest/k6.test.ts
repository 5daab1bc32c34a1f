import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, utimesSync } from "node:fs";
import { join, resolve } from "node:path";
import { runInNewContext } from "node:vm";
import { parse as parseYaml } from "yaml";
import { buildK6Script, canonicalHeader, integerRate, reportFromK6Summary, type K6Plan } from "./k6";
import { parseMix } from "./mix";
import { campaignReportSchema } from "./report";
import { DEFAULT_SLO } from "./slo";
import { apexRequestPath, makeSignup } from "./traffic";
import { scratchDir } from "../../testing/scratch";

jest.setTimeout(30_000);

const ROOT = resolve(__dirname, "../..");
const FIXTURE = join(__dirname, "testing/k6-summary-signup.json");

function plan(patch: Partial<K6Plan> = {}): K6Plan {
  return {
    scenario: "signup",
    url: "http://127.0.0.1:3000",
    steps: [50, 100],
    stepSeconds: 10,
    warmupSeconds: 4,
    slo: DEFAULT_SLO,
    mix: parseMix("signup=0.8,pages=0.15,apply=0.05"),
    timeoutMs: 10_000,
    emailDomain: "example.org",
    hostHeader: null,
    servername: null,
    mainHost: null,
    cacheStatusHeader: "cf-cache-status",
    caFile: null,
    localAddress: null,
    generatedAt: "2026-12-06T00:00:00.000Z",
    ...patch,
  };
}

interface Call {
  method: string;
  url: string;
  body?: string;
  params: Record<string, unknown>;
}

/**
 * Evaluates a generated script as k6 would load it, with k6's modules replaced by recorders: its
 * `options`, and its functions run against canned answers.
 */
function load(script: string, answer: (call: Call) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 200 })) {
  const calls: Call[] = [];
  const samples: Array<{ metric: string; value: number | boolean }> = [];
  const execState = { scenario: { iterationInTest: 0 } };
  const env: Record<string, string> = { RUN_ID: "k6test" };
  class Metric {
    constructor(readonly name: string) {}
    add(value: number | boolean): void {
      samples.push({ metric: this.name, value });
    }
  }
  const respond = (call: Call) => {
    calls.push(call);
    const a = answer(call);
    return { status: a.status, headers: a.headers ?? {}, body: a.body ?? "", json: () => JSON.parse(a.body ?? "null") };
  };
  const http = {
    get: (url: string, params: Record<string, unknown>) => respond({ method: "GET", url, params }),
    post: (url: string, body: string, params: Record<string, unknown>) => respond({ method: "POST", url, body, params }),
  };
  const names = ["options", "setup", "signup", "pages", "apply", "page", "asset", "redirect", "makeSignup", "apexRequestPath"];
  const body = script
    .split("\n")
    .filter((l) => !l.startsWith("import "))
    .join("\n")
    .replace(/^export (const|function) /gm, "$1 ");
  const mod = runInNewContext(`${body}\n;({ ${names.join(", ")} })`, {
    http,
    exec: execState,
    Counter: Metric,
    Gauge: Metric,
    Rate: Metric,
    __ENV: env,
  }) as Record<string, unknown> & { options: { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, Array<Record<string, unknown>>>; hosts?: Record<string, string> } };
  return { mod, calls, samples, execState, env };
}

describe("buildK6Script", () => {
  it("writes one arrival-rate scenario per step and kind, at the campaign's rates and times", () => {
    const { mod } = load(buildK6Script(plan()));
    const sc = mod.options.scenarios;
    expect(Object.keys(sc)).toEqual(["warmup_signup", "warmup_pages", "warmup_apply", "s01_signup", "s01_pages", "s01_apply", "s02_signup", "s02_pages", "s02_apply"]);
    expect(sc.warmup_signup).toMatchObject({ executor: "ramping-arrival-rate", startRate: 0, timeUnit: "1s", stages: [{ target: 50, duration: "2s" }, { target: 50, duration: "2s" }], startTime: "0s", exec: "signup" });
    expect(sc.s01_signup).toMatchObject({ executor: "constant-arrival-rate", rate: 50, timeUnit: "1s", duration: "10s", startTime: "4s", exec: "signup", tags: { step: "s01", kind: "signup" }, env: { STAGE: "1" } });
    // 62.5 requests/s at step 1: 9.375 pages/s and 3.125 applications/s, as integer rates per 1000 s.
    expect(sc.s01_pages).toMatchObject({ executor: "constant-arrival-rate", rate: 9375, timeUnit: "1000s", exec: "pages" });
    expect(sc.s01_apply).toMatchObject({ rate: 3125, timeUnit: "1000s", exec: "apply" });
    expect(sc.s02_signup).toMatchObject({ rate: 100, startTime: "14s", env: { STAGE: "2" } });
    const perSecond = (s: Record<string, unknown>): number => (s.rate as number) / Number(String(s.timeUnit).replace("s", ""));
    expect(perSecond(sc.s02_signup) + perSecond(sc.s02_pages) + perSecond(sc.s02_apply)).toBeCloseTo(125, 9);
    for (const s of Object.values(sc)) expect(s.maxVUs as number).toBeGreaterThanOrEqual(s.preAllocatedVUs as number);
  });

  it("carries the SLO as per-step thresholds that abort the run once a failing step is over", () => {
    const { mod } = load(buildK6Script(plan()));
    const th = mod.options.thresholds;
    expect(th["http_req_duration{step:s01}"]).toEqual([{ threshold: "p(99)<=100", abortOnFail: true, delayAbortEval: "14s" }]);
    expect(th["renfort_failed{step:s01}"]).toEqual([{ threshold: "rate<=0.001", abortOnFail: true, delayAbortEval: "14s" }]);
    // 625 requests planned in step 1, at least 95 % of them answered as expected.
    expect(th["renfort_ok{step:s01}"]).toEqual([{ threshold: "count>=594", abortOnFail: true, delayAbortEval: "14s" }]);
    expect(th["renfort_ok{step:s01,kind:signup}"]).toEqual([{ threshold: "count>=475", abortOnFail: true, delayAbortEval: "14s" }]);
    expect(th["http_req_duration{step:s02}"][0]).toMatchObject({ delayAbortEval: "24s" });
    expect(mod.options).toMatchObject({ summaryTrendStats: expect.arrayContaining(["med", "p(95)", "p(99)", "count"]) });
  });

  it("sends the same signup bodies as the local campaign, with sequence numbers unique per stage", () => {
    const { mod, calls, samples, execState, env } = load(buildK6Script(plan()), () => ({ status: 202 }));
    const k6Make = mod.makeSignup as typeof makeSignup;
    for (const seq of [0, 1, 2, 41, 997, 1e9 + 7, 3e9 + 123456]) {
      expect(k6Make("k6test", seq, "example.org")).toEqual(makeSignup("k6test", seq, "example.org"));
    }
    env.STAGE = "2";
    execState.scenario.iterationInTest = 7;
    (mod.signup as () => void)();
    expect(calls[0]).toMatchObject({ method: "POST", url: "http://127.0.0.1:3000/api/volunteers" });
    expect(JSON.parse(calls[0].body ?? "")).toEqual(makeSignup("k6test", 2e9 + 7, "example.org"));
    expect(calls[0].params).toMatchObject({ headers: { "content-type": "application/json", "x-renfort-loadtest": "k6test" } });
    expect(samples).toEqual([
      { metric: "renfort_ok", value: 1 },
      { metric: "renfort_failed", value: false },
    ]);
  });

  it("counts a 409 mission_full as a good application, any other 409 as an error", () => {
    let body = '{"error":"mission_full"}';
    const { mod, calls, samples, execState, env } = load(buildK6Script(plan()), () => ({ status: 409, body }));
    env.STAGE = "2";
    execState.scenario.iterationInTest = 3;
    (mod.apply as (d: unknown) => void)({ missions: ["11", "12"], assets: [] });
    // A volunteer of the previous stage applies to a listed mission.
    expect(calls[0].url).toBe("http://127.0.0.1:3000/api/missions/12/applications");
    expect(JSON.parse(calls[0].body ?? "")).toEqual({ email: makeSignup("k6test", 1e9 + 3, "example.org").email });
    body = '{"error":"email_taken"}';
    (mod.apply as (d: unknown) => void)({ missions: ["11"], assets: [] });
    expect(samples.filter((s) => s.metric === "renfort_failed").map((s) => s.value)).toEqual([false, true]);
  });

  it("checks every apex Location against https://<main host><path>?<query>, without following it", () => {
    const script = buildK6Script(plan({ scenario: "apex", mix: parseMix("redirect=1", "apex"), mainHost: "www.renfort.test", steps: [500, 1000] }));
    let location = "";
    const { mod, calls, samples, execState, env } = load(script, (c) => ({ status: 301, headers: { Location: location || `https://www.renfort.test${c.url.replace("http://127.0.0.1:3000", "")}` } }));
    expect(Object.keys(mod.options.scenarios)).toEqual(["warmup_redirect", "s01_redirect", "s02_redirect"]);
    expect(mod.options.scenarios.s02_redirect).toMatchObject({ rate: 1000, timeUnit: "1s" });
    env.STAGE = "1";
    execState.scenario.iterationInTest = 5;
    (mod.redirect as () => void)();
    expect(calls[0].url).toBe(`http://127.0.0.1:3000${apexRequestPath("k6test", 1e9 + 5)}`);
    expect(calls[0].params).toMatchObject({ redirects: 0 });
    location = "https://www.renfort.test/";
    (mod.redirect as () => void)();
    expect(samples.filter((s) => s.metric === "renfort_failed").map((s) => s.value)).toEqual([false, true]);
    expect((mod.apexRequestPath as typeof apexRequestPath)("r", 42)).toBe(apexRequestPath("r", 42));
  });

  it("judges the home scenario's edge cache hits per step", () => {
    const script = buildK6Script(plan({ scenario: "home", mix: parseMix("page=1,asset=2", "home"), slo: { ...DEFAULT_SLO, minCacheHitRatio: 0.95 } }));
    const html = '<link rel="stylesheet" href="/assets/app.1a2b3c4d5e.css"><script src="/assets/app.9f8e7d6c5b.js"></script>';
    const { mod, calls, samples } = load(script, (c) => (c.url.endsWith("/") ? { status: 200, body: html } : { status: 200, headers: { "Cf-Cache-Status": "HIT" } }));
    expect(mod.options.thresholds["renfort_cache_hit{step:s01}"]).toEqual([{ threshold: "rate>=0.95", abortOnFail: true, delayAbortEval: "14s" }]);
    const data = (mod.setup as () => { assets: string[] })();
    expect(data.assets).toEqual(["/assets/app.1a2b3c4d5e.css", "/assets/app.9f8e7d6c5b.js"]);
    (mod.asset as (d: unknown) => void)(data);
    expect(calls.at(-1)?.url).toBe("http://127.0.0.1:3000/assets/app.1a2b3c4d5e.css");
    expect(samples.filter((s) => s.metric === "renfort_cache_hit").map((s) => s.value)).toEqual([true]);
  });

  it("aims at an address under a host name with k6's hosts option, and says what k6 cannot do", () => {
    const script = buildK6Script(plan({ url: "https://127.0.50.10:8443", hostHeader: "www.renfort.test", servername: "www.renfort.test", caFile: "/tmp/twin/ca.pem", localAddress: "127.0.50.2" }));
    const { mod } = load(script);
    expect(mod.options.hosts).toEqual({ "www.renfort.test": "127.0.50.10" });
    expect(script).toContain('const BASE_URL = __ENV.BASE_URL || "https://www.renfort.test:8443";');
    expect(script).toContain("add /tmp/twin/ca.pem to it on every load machine");
    expect(script).toContain("k6 run --local-ips 127.0.50.2");
  });

  it.each([
    [50, { rate: 50, timeUnit: "1s" }],
    [9.375, { rate: 9375, timeUnit: "1000s" }],
    [37.5, { rate: 375, timeUnit: "10s" }],
  ])("integer rate of %p/s", (perSecond, expected) => {
    expect(integerRate(perSecond)).toEqual(expected);
  });

  it("names headers as k6 keys them", () => {
    expect(canonicalHeader("cf-cache-status")).toBe("Cf-Cache-Status");
  });
});

describe("reportFromK6Summary", () => {
  // A --summary-export file in the shape k6 documents in its source (internal/js/summary_test.go,
  // expectedOldJSONExportResult: trend stats per summaryTrendStats, counters count/rate, rates
  // value/passes/fails, threshold booleans true when failed), with the metrics the exported script defines;
  // the run aborted after step s03 failed, so s04 has a plan but no request.
  const summary = JSON.parse(readFileSync(FIXTURE, "utf8")) as unknown;

  it("reads the steps, judges them with the SLO the script carried, and stops at the failed one", () => {
    const r = reportFromK6Summary(summary, { instances: 1, source: "k6-summary.json", finishedAt: "2026-12-05T21:00:00.000Z" });
    expect(campaignReportSchema.parse(r)).toEqual(r);
    expect(r.config).toMatchObject({ scenario: "signup", steps: [50, 100, 150, 300], slo: { p99Ms: 100, maxErrorRate: 0.001, minAchievedRatio: 0.95 } });
    expect(r.steps.map((s) => [s.rate, s.verdict.result])).toEqual([
      [50, "held"],
      [100, "held"],
      [150, "failed"],
    ]);
    expect(r.steps[2].verdict.reasons).toEqual(["p99 251.9 ms > SLO 100 ms", "error rate 4.533% (85/1875) > max 0.1%"]);
    expect(r.steps[1]).toMatchObject({ offeredRequestsPerSecond: 125, achievedRequestsPerSecond: 125, sent: 1250, errors: 0, latencyMs: { p50: 3.3, p95: 9.9, p99: 21.4 } });
    expect(r).toMatchObject({ outcome: "failed", lastHeldStep: 100, firstFailedStep: 150, heldRatePerInstance: 100, finishedAt: "2026-12-05T21:00:00.000Z" });
    expect(r.totals.signupsOk).toBe(500 + 1000 + 1420);
    expect(reportFromK6Summary(summary, { instances: 2, source: "s" }).heldRatePerInstance).toBe(50);
  });

  it.each([
    [{ root_group: {} }, /is not a k6 summary \(no "metrics" object\)/],
    [{ metrics: { http_reqs: { count: 1, rate: 1 } } }, /has no renfort_sNN_rate metric: it is not the summary of a script written by npm run loadtest -- --export-k6/],
    [{ metrics: { renfort_s01_rate: { value: 50 } } }, /the SLO gauge for p99Ms is missing/],
  ])("refuses %j", (raw, message) => {
    expect(() => reportFromK6Summary(raw, { instances: 1, source: "s.json" })).toThrow(message);
  });
});

describe("npm run capacity -- --from-k6", () => {
  it("writes the held figure of a k6 summary into the stack file", () => {
    const dir = scratchDir("renfort-k6-capacity-");
    copyFileSync(join(ROOT, "Pulumi.staging.yaml"), join(dir, "Pulumi.staging.yaml"));
    copyFileSync(FIXTURE, join(dir, "summary.json"));
    utimesSync(join(dir, "summary.json"), new Date("2026-12-05T21:00:00Z"), new Date("2026-12-05T21:00:00Z"));
    const run = (...argv: string[]) =>
      spawnSync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "tools/capacity/cli.ts"), "--dir", ".", ...argv], { cwd: ROOT, encoding: "utf8", env: { ...process.env, INIT_CWD: dir } });
    const ok = run("--stack", "staging", "--from-k6", "summary.json", "--instances", "2");
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/signupsPerSecondPerInstance \S+ -> 50 \(measured 2026-12-05T21:00:00\.000Z, from summary\.json\)/);
    const cap = (parseYaml(readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> }).config["renfort:capacity"];
    expect(cap).toMatchObject({ signupsPerSecondPerInstance: 50, measurementSource: "summary.json" });

    const notK6 = run("--stack", "staging", "--from-k6", "Pulumi.staging.yaml");
    expect(notK6.status).toBe(2);
    expect(notK6.stderr).toMatch(/--from-k6: Pulumi\.staging\.yaml is not JSON/);
  });
});
