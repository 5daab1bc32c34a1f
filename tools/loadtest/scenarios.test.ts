/**
 * The launch campaigns against local servers on 127.0.50.0/24: the home page through an edge stand-in
 * over HTTPS (private CA, a server name other than the address, a chosen source address), and the apex
 * redirect served by a real HAProxy, with its wrk baseline.
 */
import { rmSync } from "node:fs";
import { apexFigures, parseWrkOutput, runRedirectBaseline } from "./apex";
import { runCampaign, type CampaignOptions } from "./campaign";
import { parseMix } from "./mix";
import { campaignReportSchema, renderMarkdown, type StepReport } from "./report";
import { DEFAULT_SLO } from "./slo";
import { startEdge, type Edge } from "./testing/edge";
import { HAPROXY, WRK, startHaproxyRedirect, startQueryDroppingRedirect, type Running } from "./testing/haproxy";
import { makeTestPki, type TestPki } from "./testing/tls";
import { apexRequestPath } from "./traffic";

jest.setTimeout(60_000);

const NAME = "www.renfort.test";
const EDGE_ADDRESS = "127.0.50.10";
const SOURCE_ADDRESS = "127.0.50.2";

function base(patch: Partial<CampaignOptions>): CampaignOptions {
  return {
    url: "http://127.0.50.1:1",
    steps: [50, 100],
    stepSeconds: 1,
    // A loose latency SLO: the suite shares two cores; these tests are about what is checked, not speed.
    slo: { ...DEFAULT_SLO, p99Ms: 1000 },
    mix: parseMix("signup=1"),
    instances: 1,
    clientIps: 0,
    warmupSeconds: 0,
    maxRequests: 100_000,
    timeoutMs: 5000,
    connections: 64,
    emailDomain: "example.org",
    runId: `t${Math.random().toString(36).slice(2, 8)}`,
    ...patch,
  };
}

describe("home scenario through an HTTPS edge", () => {
  let pki: TestPki;
  let edge: Edge | undefined;
  beforeAll(() => {
    pki = makeTestPki(NAME, EDGE_ADDRESS);
  });
  afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));
  afterEach(async () => {
    await edge?.close();
    edge = undefined;
  });

  const home = (url: string, patch: Partial<CampaignOptions> = {}): CampaignOptions =>
    base({
      scenario: "home",
      url,
      mix: parseMix("page=1,asset=2", "home"),
      slo: { ...DEFAULT_SLO, p99Ms: 1000, minCacheHitRatio: 0.95 },
      ca: pki.ca,
      servername: NAME,
      hostHeader: NAME,
      localAddress: SOURCE_ADDRESS,
      ...patch,
    });

  it("fetches the page and the assets it references, verified with the CA under the host name, and reports the hit ratio", async () => {
    edge = await startEdge({ address: EDGE_ADDRESS, tls: { key: pki.key, cert: pki.cert } });
    // A few connections and a warm-up: on a loaded shared machine a burst of TLS handshakes alone can
    // take seconds, and this test is about what is sent and counted, not about speed.
    const r = await runCampaign(home(edge.url, { steps: [100, 200], connections: 8, warmupSeconds: 1, slo: { ...DEFAULT_SLO, p99Ms: 60_000, minAchievedRatio: 0.01, minCacheHitRatio: 0.95 } }));
    expect(campaignReportSchema.parse(r)).toEqual(r);
    expect(r.config).toMatchObject({ scenario: "home", unit: "requests/s", hostHeader: NAME, servername: NAME, mix: "page=0.3333,asset=0.6667" });
    expect(r.steps.map((s) => [s.rate, s.verdict])).toEqual([
      [100, { result: "held", reasons: [] }],
      [200, { result: "held", reasons: [] }],
    ]);
    expect(r.outcome).toBe("held-all-steps");
    const [s100, s200] = r.steps;
    expect(s100).toMatchObject({ rate: 100, offeredRequestsPerSecond: 100, sent: 100 });
    expect(s100.byKind.asset.sent).toBe(67);
    expect(s100.byKind.page.sent).toBe(33);
    // Both assets the page references, and both pages, were requested.
    const paths = new Set(edge.seen.map((s) => s.path));
    expect(paths).toEqual(new Set(["/", "/missions", "/assets/app.1a2b3c4d5e.css", "/assets/app.9f8e7d6c5b.js"]));
    // Connected to the address, spoke for the name (Host and SNI), from the chosen source address.
    expect(new Set(edge.seen.map((s) => `${s.host} ${s.servername} ${s.remoteAddress}`))).toEqual(new Set([`${NAME} ${NAME} ${SOURCE_ADDRESS}`]));
    // Only the first request of each path missed, in the probe and the warm-up (not judged).
    expect(edge.seen.filter((s) => s.status === "MISS").map((s) => s.path).sort()).toEqual(["/", "/assets/app.1a2b3c4d5e.css", "/assets/app.9f8e7d6c5b.js", "/missions"]);
    expect(s100.cache).toEqual({ hits: 100, misses: 0, hitRatio: 1, byStatus: { HIT: 100 } });
    expect(s200.cache).toMatchObject({ hits: 200, misses: 0, hitRatio: 1 });
    expect(r.cache).toEqual({ hitRatio: 1, goal: 0.95, met: true });
    expect(renderMarkdown(r)).toContain("Edge cache hit ratio: **100%** (goal ≥ 95%: met)");
  });

  it("fails a step whose answers do not come from the edge cache", async () => {
    edge = await startEdge({ address: EDGE_ADDRESS, tls: { key: pki.key, cert: pki.cert }, cache: false });
    const r = await runCampaign(home(edge.url, { steps: [50], connections: 8, slo: { ...DEFAULT_SLO, p99Ms: 60_000, minAchievedRatio: 0.01, minCacheHitRatio: 0.95 } }));
    expect(r.outcome).toBe("failed");
    expect(r.steps[0].verdict.reasons).toEqual(["edge cache hit ratio 0% < goal 95%"]);
    expect(r.cache).toMatchObject({ hitRatio: 0, met: false });
  });

  it("refuses a target whose certificate the CA does not vouch for", async () => {
    edge = await startEdge({ address: EDGE_ADDRESS, tls: { key: pki.key, cert: pki.cert } });
    await expect(runCampaign(home(edge.url, { ca: undefined }))).rejects.toThrow(/cannot reach https:\/\/127\.0\.50\.10:\d+ \(GET \/: (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT)/);
    // The certificate is checked against --servername, even when the Host header names the right host.
    await expect(runCampaign(home(edge.url, { servername: "other.renfort.test" }))).rejects.toThrow(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});

describe("apex scenario", () => {
  let target: Running | undefined;
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });
  // Verdicts here rest on the answers only: a latency or achieved-rate bound would make them depend on
  // how loaded the shared machine is while the whole suite runs.
  const apex = (url: string, patch: Partial<CampaignOptions> = {}): CampaignOptions =>
    base({ scenario: "apex", url, mix: parseMix("redirect=1", "apex"), mainHost: NAME, steps: [200, 400], slo: { ...DEFAULT_SLO, p99Ms: 60_000, minAchievedRatio: 0.01 }, ...patch });

  it("checks every Location of a real HAProxy redirect: path and query kept", async () => {
    target = await startHaproxyRedirect("127.0.50.20", NAME);
    const r = await runCampaign(apex(target.url));
    expect(r.outcome).toBe("held-all-steps");
    expect(r.config).toMatchObject({ scenario: "apex", unit: "redirects/s", mainHost: NAME });
    for (const s of r.steps) {
      expect(s.redirects).toEqual({ checked: s.sent, wrongLocation: 0, examples: [] });
      expect(s.statusCounts).toEqual({ "301": s.sent });
    }
    expect(r.steps.map((s) => s.sent)).toEqual([200, 400]);
  });

  it("fails a step whose redirects lose the query string, with examples", async () => {
    target = await startQueryDroppingRedirect("127.0.50.21", NAME);
    const r = await runCampaign(apex(target.url, { steps: [100] }));
    expect(r.outcome).toBe("failed");
    const s = r.steps[0];
    expect(s.redirects?.wrongLocation).toBe(100);
    expect(s.verdict.reasons[0]).toMatch(/^error rate 100% \(100\/100\) > max 0\.1%/);
    const first = s.redirects?.examples[0] ?? "";
    expect(first).toMatch(/^\/\S*\?\S*lt=\S+ -> https:\/\/www\.renfort\.test\/\S*$/);
    expect(first.split(" -> ")[1]).not.toContain("?");
  });

  it("refuses to run without the main host to check against", async () => {
    await expect(runCampaign(apex("http://127.0.50.22:1", { mainHost: undefined }))).rejects.toThrow(/--main-host/);
  });
});

describe("apex baseline: a bare HAProxy measured with wrk", () => {
  it.each(["http", "https"] as const)("measures the same redirect over %s", async (scheme) => {
    const b = await runRedirectBaseline({ haproxy: HAPROXY, wrk: WRK, mainHost: NAME, scheme, seconds: 1, connections: 16, address: "127.0.50.30" });
    expect(b).toMatchObject({ tool: "wrk", threads: 2, connections: 16, durationSeconds: 1, non2xx3xx: 0 });
    expect(b.server).toMatch(/^HAProxy \d+\.\d+/);
    expect(b.url.startsWith(`${scheme}://127.0.50.30:`)).toBe(true);
    expect(b.requestsPerSecond).toBeGreaterThan(100);
  });

  it("says which tool is missing", async () => {
    await expect(runRedirectBaseline({ haproxy: HAPROXY, wrk: "/nonexistent/wrk", mainHost: NAME, scheme: "http", seconds: 1, connections: 4 })).rejects.toThrow(
      /wrk not found at \/nonexistent\/wrk \(apt-get install wrk, or pass --wrk <path>, or --baseline-seconds 0\)/,
    );
  });
});

describe("parseWrkOutput", () => {
  const out = `Running 10s test @ http://127.0.50.254:41235/missions?utm_source=tv&lt=baseline
  2 threads and 128 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.46ms    1.96ms  41.49ms   88.21%
    Req/Sec    19.02k     1.52k   22.88k    71.50%
  Latency Distribution
     50%    3.04ms
     75%    3.79ms
     90%    5.11ms
     99%   11.02ms
  378519 requests in 10.01s, 45.13MB read
Requests/sec:  37814.26
Transfer/sec:      4.51MB
`;
  it("reads the rate and the latency distribution", () => {
    expect(parseWrkOutput(out)).toEqual({ requestsPerSecond: 37814.26, requests: 378519, non2xx3xx: 0, p50Ms: 3.04, p99Ms: 11.02, socketErrors: null });
  });
  it("counts non-3xx answers and socket errors", () => {
    const bad = out.replace("Requests/sec:", "  Socket errors: connect 0, read 12, write 0, timeout 3\n  Non-2xx or 3xx responses: 40\nRequests/sec:").replace("99%   11.02ms", "99%  850.00us");
    expect(parseWrkOutput(bad)).toMatchObject({ non2xx3xx: 40, p99Ms: 0.85, socketErrors: "connect 0, read 12, write 0, timeout 3" });
  });
  it("refuses output without a rate", () => {
    expect(() => parseWrkOutput("unable to connect to 127.0.50.254:1 Connection refused")).toThrow(/wrk printed no "Requests\/sec:" line/);
  });
});

describe("apexFigures", () => {
  const step = (rate: number, achieved: number, result: "held" | "failed", p99 = 5, lag = 1): StepReport => ({
    rate,
    offeredRequestsPerSecond: rate,
    durationSeconds: 10,
    planned: rate * 10,
    sent: rate * 10,
    completed: rate * 10,
    ok: achieved * 10,
    errors: 0,
    errorRate: 0,
    achievedRequestsPerSecond: achieved,
    latencyMs: { count: 1, min: 1, mean: 1, p50: 1, p95: 2, p99: p99, max: 9 },
    sendLagMs: { count: 1, min: 0, mean: 0, p50: 0, p95: 0, p99: lag, max: lag },
    statusCounts: {},
    byKind: {},
    verdict: { result, reasons: result === "held" ? [] : [`achieved ${achieved}/s is too low`] },
  });
  const baseline = { tool: "wrk", server: "HAProxy 2.6", url: "u", threads: 2, connections: 128, durationSeconds: 10, requestsPerSecond: 20000, non2xx3xx: 0, latencyMs: { p50: 1, p99: 4 } };

  it("gives the best achieved rate as a share of the baseline and the knee between the last held and first failed step", () => {
    const f = apexFigures([step(2000, 2000, "held"), step(4000, 3990, "held", 12), step(6000, 4700, "failed", 900, 40)], baseline, null);
    expect(f).toMatchObject({ bestAchievedPerSecond: 4700, ratioToBaseline: 0.235, knee: { lastHeldRate: 4000, firstFailedRate: 6000 }, baselineSkipped: null });
    expect(f.knee.description).toBe(
      "between 4000 and 6000 redirects/s: 4000 held (achieved 3990/s, p99 12 ms), 6000 did not (achieved 4700/s, p99 900 ms: achieved 4700/s is too low); " +
        "the generator itself sent up to 40 ms late (p99) there, so this machine's limit is part of the knee",
    );
  });

  it("says when there is no knee, and why there is no baseline", () => {
    const f = apexFigures([step(500, 500, "held"), step(1000, 1000, "held")], null, "--baseline-seconds 0");
    expect(f).toMatchObject({ bestAchievedPerSecond: 1000, ratioToBaseline: null, baselineSkipped: "--baseline-seconds 0", knee: { lastHeldRate: 1000, firstFailedRate: null } });
    expect(f.knee.description).toMatch(/^no knee up to 1000 redirects\/s: every step held/);
  });

  it("uses the same path and query scheme as the k6 script", () => {
    expect(apexRequestPath("r1", 0)).toBe("/?utm_source=tv&utm_medium=spot&lt=r1-0");
    expect(apexRequestPath("r1", 4)).toBe("/organisations/nouvelle?lt=r1-4");
  });
});
