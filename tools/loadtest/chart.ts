/**
 * The campaign as a picture: per step, latency percentiles (p50, p95, p99) against the SLO line, and the
 * achieved rate against the offered one (with the SLO's minimum share, and the wrk baseline for apex),
 * each step marked held or failed. A self-contained SVG (no script, no external font or stylesheet), and
 * an HTML report embedding it with the step table.
 *
 * Written by hand: the chart is two panels of lines and labels; d3-scale/d3-shape are ESM-only (the
 * tests run as CommonJS) and would still leave the axes and text to write, and vega's headless SVG
 * renderer is megabytes for the same result.
 */
import { formatStatusCounts, type CampaignReport } from "./report";

const W = 880;
const PANEL_H = 250;
const M = { left: 72, right: 170, top: 84, gap: 76, bottom: 56 };
const PLOT_W = W - M.left - M.right;
const H = M.top + PANEL_H + M.gap + PANEL_H + M.bottom;

const COLORS = {
  p50: "#4c78a8",
  p95: "#f58518",
  p99: "#b279a2",
  slo: "#d62728",
  offered: "#9e9e9e",
  achieved: "#2ca02c",
  minAchieved: "#2ca02c",
  baseline: "#17becf",
  held: "#2e7d32",
  failed: "#c62828",
  interrupted: "#757575",
  grid: "#e6e6e6",
  text: "#222222",
};

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

const n = (v: number): string => String(Math.round(v * 10) / 10);

/** "Nice" ticks 1, 2, 5 x 10^k covering [lo, hi] on a log scale. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(Number(t.toPrecision(3)));
    }
  }
  return ticks;
}

/** About `count` round ticks from 0 to at least `hi` on a linear scale. */
export function linearTicks(hi: number, count = 5): number[] {
  if (!(hi > 0)) return [0, 1];
  const raw = hi / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = 0; t < hi + step * 0.999; t += step) ticks.push(Number(t.toPrecision(6)));
  return ticks;
}

const fmtTick = (v: number): string => (v >= 10_000 ? `${v / 1000}k` : v >= 1 ? String(v) : String(Number(v.toPrecision(2))));

/** The chart of a campaign report as a standalone SVG document. */
export function renderChartSvg(r: CampaignReport): string {
  const steps = r.steps;
  const unit = r.config.unit;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="12" role="img" aria-labelledby="title desc">`,
    `<title id="title">Load campaign ${escapeXml(r.runId)} (${escapeXml(r.config.scenario)}): ${escapeXml(r.outcome)}</title>`,
    `<desc id="desc">${escapeXml(r.summary)}</desc>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="24" font-size="16" font-weight="bold" fill="${COLORS.text}">Load campaign ${escapeXml(r.runId)} · ${escapeXml(r.config.scenario)} · ${escapeXml(r.startedAt.slice(0, 16).replace("T", " "))} UTC</text>`,
    `<text x="${M.left}" y="44" fill="${COLORS.text}">${escapeXml(r.summary)}</text>`,
  );
  if (steps.length === 0) {
    out.push(`<text x="${M.left}" y="${M.top + 40}" fill="${COLORS.text}">No step ran.</text>`, "</svg>");
    return out.join("\n") + "\n";
  }
  // Steps are evenly spaced (their rates are not: 50 ... 600, 500 ... 8000), labelled with their rate.
  const slot = PLOT_W / steps.length;
  const xOf = (i: number): number => M.left + slot * (i + 0.5);

  // --- panel 1: latency, log scale -------------------------------------------------------------------
  const top1 = M.top;
  const slo = r.config.slo.p99Ms;
  const values = steps.flatMap((s) => [s.latencyMs.p50, s.latencyMs.p95, s.latencyMs.p99]).filter((v): v is number => v !== null && v > 0);
  const lo = Math.max(0.01, Math.min(slo, ...values) / 1.6);
  const hi = Math.max(slo, ...values) * 1.6;
  const yLat = (v: number): number => top1 + PANEL_H - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PANEL_H;
  out.push(`<g data-panel="latency">`);
  out.push(`<text x="${M.left}" y="${top1 - 8}" font-weight="bold" fill="${COLORS.text}">Latency per step (ms, log scale, from the intended send time)</text>`);
  for (const t of logTicks(lo, hi)) {
    const y = yLat(t);
    out.push(
      `<line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${n(y)}" y2="${n(y)}" stroke="${COLORS.grid}"/>`,
      `<text x="${M.left - 6}" y="${n(y + 4)}" text-anchor="end" fill="${COLORS.text}">${fmtTick(t)}</text>`,
    );
  }
  const ySlo = yLat(slo);
  out.push(
    `<line data-series="slo" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${n(ySlo)}" y2="${n(ySlo)}" stroke="${COLORS.slo}" stroke-width="2" stroke-dasharray="8 4"/>`,
    `<text x="${M.left + PLOT_W - 4}" y="${n(ySlo - 6)}" text-anchor="end" fill="${COLORS.slo}" font-weight="bold">SLO p99 ≤ ${slo} ms</text>`,
  );
  for (const key of ["p50", "p95", "p99"] as const) {
    const pts = steps
      .map((s, i) => [i, s.latencyMs[key]] as const)
      .filter((p): p is readonly [number, number] => p[1] !== null && p[1] > 0)
      .map(([i, v]) => ({ x: xOf(i), y: yLat(v), v, i }));
    out.push(`<polyline data-series="${key}" points="${pts.map((p) => `${n(p.x)},${n(p.y)}`).join(" ")}" fill="none" stroke="${COLORS[key]}" stroke-width="2"/>`);
    for (const p of pts) {
      out.push(`<circle data-series="${key}" data-step="${steps[p.i].rate}" data-value="${p.v}" cx="${n(p.x)}" cy="${n(p.y)}" r="3.5" fill="${COLORS[key]}"><title>${key} ${p.v} ms at ${steps[p.i].rate} ${escapeXml(unit)}</title></circle>`);
    }
  }
  legend(out, M.left + PLOT_W + 8, top1 + 16, [
    ["p50", COLORS.p50, false],
    ["p95", COLORS.p95, false],
    ["p99", COLORS.p99, false],
    ["SLO (p99 bound)", COLORS.slo, true],
  ]);
  out.push(`</g>`);

  // --- panel 2: offered vs achieved ------------------------------------------------------------------
  const top2 = M.top + PANEL_H + M.gap;
  const baseline = r.apex?.baseline ?? null;
  const rateMax = Math.max(...steps.map((s) => Math.max(s.offeredRequestsPerSecond, s.achievedRequestsPerSecond)), baseline?.requestsPerSecond ?? 0);
  const rTicks = linearTicks(rateMax * 1.05);
  const rTop = rTicks[rTicks.length - 1];
  const yRate = (v: number): number => top2 + PANEL_H - (v / rTop) * PANEL_H;
  out.push(`<g data-panel="rate">`);
  out.push(`<text x="${M.left}" y="${top2 - 8}" font-weight="bold" fill="${COLORS.text}">Achieved vs offered (requests/s)</text>`);
  for (const t of rTicks) {
    const y = yRate(t);
    out.push(
      `<line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${n(y)}" y2="${n(y)}" stroke="${COLORS.grid}"/>`,
      `<text x="${M.left - 6}" y="${n(y + 4)}" text-anchor="end" fill="${COLORS.text}">${fmtTick(t)}</text>`,
    );
  }
  const bar = Math.min(36, slot * 0.5);
  steps.forEach((s, i) => {
    out.push(
      `<rect data-series="offered" data-step="${s.rate}" data-value="${s.offeredRequestsPerSecond}" x="${n(xOf(i) - bar / 2)}" y="${n(yRate(s.offeredRequestsPerSecond))}" width="${n(bar)}" height="${n(top2 + PANEL_H - yRate(s.offeredRequestsPerSecond))}" fill="${COLORS.offered}" fill-opacity="0.35"><title>offered ${s.offeredRequestsPerSecond} requests/s</title></rect>`,
    );
    const yMin = yRate(s.offeredRequestsPerSecond * r.config.slo.minAchievedRatio);
    out.push(`<line data-series="min-achieved" x1="${n(xOf(i) - bar / 2 - 4)}" x2="${n(xOf(i) + bar / 2 + 4)}" y1="${n(yMin)}" y2="${n(yMin)}" stroke="${COLORS.minAchieved}" stroke-dasharray="3 2"/>`);
  });
  const ach = steps.map((s, i) => ({ x: xOf(i), y: yRate(s.achievedRequestsPerSecond), v: s.achievedRequestsPerSecond, s }));
  out.push(`<polyline data-series="achieved" points="${ach.map((p) => `${n(p.x)},${n(p.y)}`).join(" ")}" fill="none" stroke="${COLORS.achieved}" stroke-width="2.5"/>`);
  for (const p of ach) {
    out.push(`<circle data-series="achieved" data-step="${p.s.rate}" data-value="${p.v}" cx="${n(p.x)}" cy="${n(p.y)}" r="4" fill="${COLORS.achieved}"><title>achieved ${p.v} of ${p.s.offeredRequestsPerSecond} requests/s</title></circle>`);
  }
  const legendItems: Array<[string, string, boolean]> = [
    ["offered", COLORS.offered, false],
    ["achieved", COLORS.achieved, false],
    [`min ${r.config.slo.minAchievedRatio * 100}% of offered`, COLORS.minAchieved, true],
  ];
  if (baseline !== null) {
    const yb = yRate(baseline.requestsPerSecond);
    out.push(
      `<line data-series="baseline" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${n(yb)}" y2="${n(yb)}" stroke="${COLORS.baseline}" stroke-width="2" stroke-dasharray="2 3"/>`,
      `<text x="${M.left + 6}" y="${n(yb - 6)}" fill="${COLORS.baseline}" font-weight="bold">bare HAProxy, wrk: ${Math.round(baseline.requestsPerSecond)}/s</text>`,
    );
    legendItems.push(["wrk baseline", COLORS.baseline, true]);
  }
  legend(out, M.left + PLOT_W + 8, top2 + 16, legendItems);
  out.push(`</g>`);

  // --- step axis with verdicts -----------------------------------------------------------------------
  steps.forEach((s, i) => {
    const color = COLORS[s.verdict.result];
    const mark = s.verdict.result === "held" ? "✓ held" : s.verdict.result === "failed" ? "✗ failed" : "– cut";
    for (const baseY of [top1 + PANEL_H, top2 + PANEL_H]) {
      out.push(`<text data-verdict="${s.verdict.result}" x="${n(xOf(i))}" y="${n(baseY + 16)}" text-anchor="middle" fill="${COLORS.text}">${s.rate}</text>`);
      out.push(`<text x="${n(xOf(i))}" y="${n(baseY + 30)}" text-anchor="middle" fill="${color}" font-size="11">${mark}</text>`);
    }
  });
  out.push(`<text x="${M.left + PLOT_W / 2}" y="${H - 8}" text-anchor="middle" fill="${COLORS.text}">step (${escapeXml(unit)})</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function legend(out: string[], x: number, y: number, items: Array<[string, string, boolean]>): void {
  items.forEach(([label, color, dashed], i) => {
    const yy = y + i * 18;
    out.push(
      `<line x1="${x}" x2="${x + 18}" y1="${yy}" y2="${yy}" stroke="${color}" stroke-width="2.5"${dashed ? ' stroke-dasharray="4 2"' : ""}/>`,
      `<text x="${x + 24}" y="${yy + 4}" fill="${COLORS.text}">${escapeXml(label)}</text>`,
    );
  });
}

/** The HTML report: the chart inline, the conclusion, the step table and the warnings. One file. */
export function renderHtml(r: CampaignReport, svg: string): string {
  const e = escapeXml;
  const cell = (v: number | null): string => (v === null ? "—" : String(v));
  const rows = r.steps
    .map(
      (s) =>
        `<tr class="${s.verdict.result}"><td>${s.rate}</td><td>${s.offeredRequestsPerSecond}</td><td>${s.achievedRequestsPerSecond}</td>` +
        `<td>${cell(s.latencyMs.p50)}</td><td>${cell(s.latencyMs.p95)}</td><td>${cell(s.latencyMs.p99)}</td><td>${cell(s.latencyMs.max)}</td>` +
        `<td>${s.errors} (${Number((s.errorRate * 100).toFixed(3))}%)</td><td>${e(formatStatusCounts(s.statusCounts))}</td>` +
        `<td>${s.cache?.hitRatio === undefined || s.cache.hitRatio === null ? "" : `${Number((s.cache.hitRatio * 100).toFixed(2))}%`}</td>` +
        `<td>${s.redirects === undefined ? "" : `${s.redirects.wrongLocation}/${s.redirects.checked}`}</td>` +
        `<td>${e(s.verdict.result)}${s.verdict.reasons.length > 0 ? `: ${e(s.verdict.reasons.join("; "))}` : ""}</td></tr>`,
    )
    .join("\n");
  const facts = [
    `Target <code>${e(r.target)}</code>${r.config.hostHeader === null ? "" : `, Host <code>${e(r.config.hostHeader)}</code>`}${r.config.servername === null ? "" : `, SNI <code>${e(r.config.servername)}</code>`}`,
    `Run ${e(r.startedAt)} → ${e(r.finishedAt)}, outcome <code>${e(r.outcome)}</code>`,
    `SLO p99 ≤ ${r.config.slo.p99Ms} ms, errors ≤ ${r.config.slo.maxErrorRate * 100}%, achieved ≥ ${r.config.slo.minAchievedRatio * 100}% of offered` +
      (r.config.slo.minCacheHitRatio === undefined ? "" : `, edge cache hits ≥ ${r.config.slo.minCacheHitRatio * 100}%`),
    `Steps ${r.config.steps.join(", ")} ${e(r.config.unit)}, ${r.config.stepSeconds} s each, mix <code>${e(r.config.mix)}</code>`,
  ];
  if (r.cache !== undefined) facts.push(`Edge cache hit ratio <b>${r.cache.hitRatio === null ? "—" : `${Number((r.cache.hitRatio * 100).toFixed(2))}%`}</b> (goal ≥ ${r.cache.goal * 100}%: ${r.cache.met ? "met" : "not met"})`);
  if (r.apex !== undefined) {
    facts.push(
      `Best achieved <b>${r.apex.bestAchievedPerSecond} redirects/s</b>` +
        (r.apex.baseline === null ? ` (no baseline: ${e(r.apex.baselineSkipped ?? "not measured")})` : `, <b>${r.apex.ratioToBaseline === null ? "—" : `${Number((r.apex.ratioToBaseline * 100).toFixed(1))}%`}</b> of a bare HAProxy measured with wrk (${r.apex.baseline.requestsPerSecond} req/s)`),
      `Knee: ${e(r.apex.knee.description)}`,
    );
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Load campaign ${e(r.runId)} (${e(r.config.scenario)})</title>
<style>
body { font-family: DejaVu Sans, Arial, Helvetica, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
td:last-child, td:nth-last-child(4) { text-align: left; }
tr.failed td { background: #fdecea; } tr.interrupted td { background: #f1f1f1; }
code { background: #f4f4f4; padding: 0 3px; }
</style>
</head>
<body>
<h1>Load campaign ${e(r.runId)} (${e(r.config.scenario)})</h1>
<p><b>${e(r.summary)}</b></p>
<ul>
${facts.map((f) => `<li>${f}</li>`).join("\n")}
</ul>
${svg.trim()}
<h2>Steps</h2>
<table>
<tr><th>${e(r.config.unit)}</th><th>offered req/s</th><th>achieved req/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>errors</th><th>status codes</th><th>cache hits</th><th>wrong Location</th><th>verdict</th></tr>
${rows}
</table>
${r.warnings.length === 0 ? "" : `<h2>Warnings</h2>\n<ul>\n${r.warnings.map((w) => `<li>${e(w)}</li>`).join("\n")}\n</ul>`}
</body>
</html>
`;
}

/** Where the chart and the HTML report go: beside the JSON report, same name. */
export function chartPaths(reportPath: string): { svg: string; html: string } {
  const base = reportPath.replace(/\.json$/i, "");
  return { svg: `${base}.svg`, html: `${base}.html` };
}
