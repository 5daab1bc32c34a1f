import { readFileSync } from "node:fs";
import { join } from "node:path";
import { apexFigures } from "./apex";
import { chartPaths, linearTicks, logTicks, renderChartSvg, renderHtml } from "./chart";
import { campaignReportSchema, type CampaignReport } from "./report";

const MEASUREMENTS = join(__dirname, "measurements");
const load = (name: string): CampaignReport => campaignReportSchema.parse(JSON.parse(readFileSync(join(MEASUREMENTS, name), "utf8")));

/** Every opened element is closed in order: the SVG is well-formed XML (no parser in the dependencies). */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing === "/") continue;
    if (closing === "/") expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  // Text is escaped: no raw ampersand outside an entity.
  expect(xml.replace(/&(amp|lt|gt|quot|#39);/g, "")).not.toContain("&");
}

/** cy of the circle of `series` at step `rate`. */
function pointY(svg: string, series: string, rate: number): number {
  const m = new RegExp(`<circle data-series="${series}" data-step="${rate}" data-value="[^"]+" cx="[^"]+" cy="([^"]+)"`).exec(svg);
  if (m === null) throw new Error(`no ${series} point at ${rate}`);
  return Number(m[1]);
}

describe("renderChartSvg", () => {
  it("draws latency percentiles against the SLO line and marks the failed step above it", () => {
    // The kept ceiling campaign: held up to 1800 signups/s, failed at 2400 with p99 185 ms > 100 ms.
    const r = load("local-ceiling-2026-11-29.json");
    const svg = renderChartSvg(r);
    assertWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // Self-contained: no script, no external reference.
    expect(svg).not.toMatch(/<script|href=|url\(/);
    const slo = /<line data-series="slo" x1="[^"]+" x2="[^"]+" y1="([^"]+)"/.exec(svg);
    expect(slo).not.toBeNull();
    const ySlo = Number(slo?.[1]);
    const failed = r.steps.find((s) => s.verdict.result === "failed");
    const held = r.steps.filter((s) => s.verdict.result === "held");
    expect([failed?.rate, held.map((s) => s.rate).at(-1)]).toEqual([2400, 1800]);
    // SVG y grows downwards: above the line is a smaller y.
    expect(pointY(svg, "p99", failed?.rate ?? 0)).toBeLessThan(ySlo);
    for (const s of held) expect(pointY(svg, "p99", s.rate)).toBeGreaterThan(ySlo);
    // p50 <= p95 <= p99 at every step.
    for (const s of r.steps) {
      expect(pointY(svg, "p50", s.rate)).toBeGreaterThanOrEqual(pointY(svg, "p95", s.rate));
      expect(pointY(svg, "p95", s.rate)).toBeGreaterThanOrEqual(pointY(svg, "p99", s.rate));
    }
    // One offered bar and one achieved point per step; verdicts labelled.
    expect(svg.match(/<rect data-series="offered"/g)).toHaveLength(r.steps.length);
    expect(svg.match(/<circle data-series="achieved"/g)).toHaveLength(r.steps.length);
    expect(svg.match(/data-verdict="failed"/g)?.length).toBe(2);
    expect(svg).toContain("SLO p99 ≤ 100 ms");
  });

  it("places achieved below offered when the target falls behind", () => {
    const r = load("local-ceiling-2026-11-29.json");
    const step = { ...r.steps[0], rate: 999, offeredRequestsPerSecond: 1000, achievedRequestsPerSecond: 500 };
    const svg = renderChartSvg({ ...r, steps: [step] });
    const bar = /<rect data-series="offered" data-step="999" data-value="1000" x="[^"]+" y="([^"]+)"/.exec(svg);
    expect(pointY(svg, "achieved", 999)).toBeGreaterThan(Number(bar?.[1]));
  });

  it("draws the wrk baseline of an apex campaign and escapes text", () => {
    const r = load("local-2026-11-29.json");
    const apex: CampaignReport = {
      ...r,
      summary: `a <b> & "c"`,
      config: { ...r.config, scenario: "apex", unit: "redirects/s" },
      apex: apexFigures(r.steps, { tool: "wrk", server: "HAProxy 2.6", url: "http://127.0.50.254:1/", threads: 2, connections: 128, durationSeconds: 10, requestsPerSecond: 20000, non2xx3xx: 0, latencyMs: { p50: 1, p99: 5 } }, null),
    };
    const svg = renderChartSvg(apex);
    assertWellFormed(svg);
    expect(svg).toContain("&lt;b&gt; &amp; &quot;c&quot;");
    expect(svg).toMatch(/<line data-series="baseline"/);
    expect(svg).toContain("bare HAProxy, wrk: 20000/s");
  });

  it("handles a campaign that ran no step", () => {
    const r = load("local-2026-11-29.json");
    const svg = renderChartSvg({ ...r, steps: [] });
    assertWellFormed(svg);
    expect(svg).toContain("No step ran.");
  });
});

describe("renderHtml", () => {
  it("embeds the chart and the step table in one file", () => {
    const r = load("local-2026-11-29.json");
    const svg = renderChartSvg(r);
    const html = renderHtml(r, svg);
    expect(html).toContain(svg.trim());
    expect(html.match(/<tr class="held">/g)).toHaveLength(r.steps.length);
    expect(html).not.toMatch(/<script|<link|src=/);
  });
});

describe("chart helpers", () => {
  it.each([
    [1, 100, [1, 2, 5, 10, 20, 50, 100]],
    [0.5, 3, [0.5, 1, 2]],
  ])("log ticks %p..%p", (lo, hi, ticks) => {
    expect(logTicks(lo, hi)).toEqual(ticks);
  });
  it.each([
    [750, [0, 200, 400, 600, 800]],
    [9, [0, 2, 4, 6, 8, 10]],
    [0, [0, 1]],
  ])("linear ticks up to %p", (hi, ticks) => {
    expect(linearTicks(hi)).toEqual(ticks);
  });
  it("writes beside the JSON report", () => {
    expect(chartPaths("/r/loadtest.json")).toEqual({ svg: "/r/loadtest.svg", html: "/r/loadtest.html" });
    expect(chartPaths("/r/report")).toEqual({ svg: "/r/report.svg", html: "/r/report.html" });
  });
});
