/**
 * The apex campaign's yardstick: the same redirect served by a bare HAProxy on this machine, measured
 * with wrk (Debian packages `haproxy` and `wrk`) in the same run, so the campaign's achieved rate reads as
 * a share of what this machine can do at all, and the knee as where the target bends.
 *
 * HAProxy's `http-request redirect prefix <pfx> code 301` builds Location from <pfx> and the complete URI
 * path including the query string (https://docs.haproxy.org/2.6/configuration.html#4.2-http-request%20redirect);
 * verified here: `runRedirectBaseline` checks one answer before measuring, and apex.test.ts checks it again.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { round } from "./percentiles";
import type { CampaignReport, StepReport } from "./report";

export type Baseline = NonNullable<NonNullable<CampaignReport["apex"]>["baseline"]>;

export interface BaselineOptions {
  haproxy: string;
  wrk: string;
  /** The host every Location points to. */
  mainHost: string;
  /** http or https, as the target. */
  scheme: "http" | "https";
  seconds: number;
  connections: number;
  threads?: number;
  /** Loopback address HAProxy binds to. */
  address?: string;
  /** Path and query wrk requests. */
  pathAndQuery?: string;
}

/** Parses wrk's latency strings: 850.00us, 1.23ms, 2.01s, 1.00m. */
export function parseWrkDuration(text: string): number | null {
  const m = /^([0-9.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return null;
  const v = Number(m[1]);
  return round(m[2] === "us" ? v / 1000 : m[2] === "ms" ? v : m[2] === "s" ? v * 1000 : v * 60_000, 3);
}

/** The figures of `wrk --latency` output. Throws when it holds no Requests/sec line. */
export function parseWrkOutput(text: string): { requestsPerSecond: number; requests: number; non2xx3xx: number; p50Ms: number | null; p99Ms: number | null; socketErrors: string | null } {
  const rps = /^Requests\/sec:\s+([0-9.]+)/m.exec(text);
  if (rps === null) throw new Error(`wrk printed no "Requests/sec:" line:\n${text.trim()}`);
  const requests = /^\s*(\d+) requests in /m.exec(text);
  const non = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const p50 = /^\s*50%\s+(\S+)/m.exec(text);
  const p99 = /^\s*99%\s+(\S+)/m.exec(text);
  const socket = /Socket errors: (.*)$/m.exec(text);
  return {
    requestsPerSecond: Number(rps[1]),
    requests: requests === null ? 0 : Number(requests[1]),
    non2xx3xx: non === null ? 0 : Number(non[1]),
    p50Ms: p50 === null ? null : parseWrkDuration(p50[1]),
    p99Ms: p99 === null ? null : parseWrkDuration(p99[1]),
    socketErrors: socket === null ? null : socket[1].trim(),
  };
}

/** The HAProxy configuration of the bare redirect. */
export function baselineHaproxyConfig(o: { address: string; port: number; mainHost: string; pem: string | null }): string {
  return [
    "global",
    // Within a default 20,000-descriptor limit (HAProxy needs about two per connection).
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  timeout connect 5s",
    "  timeout client 30s",
    "  timeout server 30s",
    "frontend apex",
    `  bind ${o.address}:${o.port}${o.pem === null ? "" : ` ssl crt ${o.pem}`}`,
    `  http-request redirect prefix https://${o.mainHost} code 301`,
    "",
  ].join("\n");
}

export async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, address, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * Starts a bare HAProxy serving the apex redirect on a loopback address, checks one answer, measures it
 * with wrk, stops it and removes its files. Throws (with the tool's own words) when a part is missing
 * or fails.
 */
export async function runRedirectBaseline(o: BaselineOptions): Promise<Baseline> {
  const address = o.address ?? "127.0.50.254";
  const threads = o.threads ?? 2;
  const pathAndQuery = o.pathAndQuery ?? "/missions?utm_source=tv&lt=baseline";
  for (const [name, bin] of [["haproxy", o.haproxy], ["wrk", o.wrk]] as const) {
    const probe = spawnSync(bin, name === "haproxy" ? ["-v"] : ["--version"], { encoding: "utf8", timeout: 5000 });
    if (probe.error !== undefined) throw new Error(`${name} not found at ${bin} (apt-get install ${name}, or pass --${name} <path>, or --baseline-seconds 0)`);
  }
  const version = /HAProxy version (\S+)/.exec(spawnSync(o.haproxy, ["-v"], { encoding: "utf8" }).stdout)?.[1] ?? "unknown";
  const dir = mkdtempSync(join(tmpdir(), "renfort-apex-baseline-"));
  let haproxy: ChildProcess | undefined;
  // undici follows no redirect unless told to; the baseline's certificate is self-signed.
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  try {
    let pem: string | null = null;
    if (o.scheme === "https") {
      // A throwaway self-signed certificate: wrk does not verify, and the handshake cost is what counts.
      const key = join(dir, "key.pem");
      const cert = join(dir, "cert.pem");
      const made = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=apex.baseline", "-days", "1"], { encoding: "utf8", timeout: 15_000 });
      if (made.status !== 0) throw new Error(`openssl could not make the baseline certificate: ${made.stderr.trim()}`);
      pem = join(dir, "apex.pem");
      writeFileSync(pem, spawnSync("cat", [cert, key], { encoding: "utf8" }).stdout);
    }
    const port = await freePort(address);
    const cfg = join(dir, "haproxy.cfg");
    writeFileSync(cfg, baselineHaproxyConfig({ address, port, mainHost: o.mainHost, pem }));
    const check = spawnSync(o.haproxy, ["-c", "-f", cfg], { encoding: "utf8", timeout: 10_000 });
    if (check.status !== 0) throw new Error(`haproxy refused the baseline configuration: ${(check.stdout + check.stderr).trim()}`);
    let stderr = "";
    haproxy = spawn(o.haproxy, ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] });
    haproxy.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    const url = `${o.scheme}://${address}:${port}${pathAndQuery}`;
    const expected = `https://${o.mainHost}${pathAndQuery}`;
    let answered = false;
    for (let i = 0; i < 50 && !answered; i++) {
      if (haproxy.exitCode !== null) throw new Error(`haproxy exited (${haproxy.exitCode}): ${stderr.trim()}`);
      try {
        const res = await request(url, { method: "GET", dispatcher: agent });
        await res.body.dump();
        const location = res.headers.location;
        if (res.statusCode !== 301 || location !== expected) {
          throw new Error(`the bare HAProxy answered ${res.statusCode} Location ${String(location)}, expected 301 ${expected}`);
        }
        answered = true;
      } catch (err) {
        if (err instanceof Error && err.message.startsWith("the bare HAProxy")) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (!answered) throw new Error(`the bare HAProxy did not answer on ${url} within 5 s: ${stderr.trim()}`);
    const wrk = spawnSync(o.wrk, [`-t${threads}`, `-c${o.connections}`, `-d${o.seconds}s`, "--latency", url], { encoding: "utf8", timeout: (o.seconds + 30) * 1000 });
    if (wrk.status !== 0) throw new Error(`wrk failed (${wrk.status ?? wrk.signal}): ${(wrk.stderr || wrk.stdout).trim()}`);
    const figures = parseWrkOutput(wrk.stdout);
    return {
      tool: "wrk",
      server: `HAProxy ${version}`,
      url,
      threads,
      connections: o.connections,
      durationSeconds: o.seconds,
      requestsPerSecond: round(figures.requestsPerSecond),
      non2xx3xx: figures.non2xx3xx,
      latencyMs: { p50: figures.p50Ms, p99: figures.p99Ms },
    };
  } finally {
    await agent.close();
    if (haproxy !== undefined) {
      haproxy.kill("SIGTERM");
      await waitExit(haproxy, 3000);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The apex figures of a campaign: its best achieved rate, that rate as a share of the baseline, and the
 * knee, i.e. the last step that held and the first that did not, with why.
 */
export function apexFigures(steps: readonly StepReport[], baseline: Baseline | null, baselineSkipped: string | null): NonNullable<CampaignReport["apex"]> {
  const judged = steps.filter((s) => s.verdict.result !== "interrupted");
  const best = judged.reduce((m, s) => Math.max(m, s.achievedRequestsPerSecond), 0);
  const held = judged.filter((s) => s.verdict.result === "held").at(-1) ?? null;
  const failed = judged.find((s) => s.verdict.result === "failed") ?? null;
  let description: string;
  if (failed === null) {
    description =
      held === null
        ? "no step was judged"
        : `no knee up to ${held.rate} redirects/s: every step held (p99 ${held.latencyMs.p99} ms at the last); the ceiling is higher than the steps went`;
  } else if (held === null) {
    description = `already bent at the first step, ${failed.rate} redirects/s (${failed.verdict.reasons.join("; ")})`;
  } else {
    description =
      `between ${held.rate} and ${failed.rate} redirects/s: ${held.rate} held (achieved ${held.achievedRequestsPerSecond}/s, p99 ${held.latencyMs.p99} ms), ` +
      `${failed.rate} did not (achieved ${failed.achievedRequestsPerSecond}/s, p99 ${failed.latencyMs.p99} ms: ${failed.verdict.reasons.join("; ")})`;
  }
  if (failed !== null && failed.sendLagMs.p99 !== null && failed.sendLagMs.p99 > 10) {
    description += `; the generator itself sent up to ${failed.sendLagMs.p99} ms late (p99) there, so this machine's limit is part of the knee`;
  }
  return {
    bestAchievedPerSecond: round(best),
    baseline,
    ratioToBaseline: baseline === null || baseline.requestsPerSecond === 0 ? null : round(best / baseline.requestsPerSecond, 4),
    knee: { lastHeldRate: held?.rate ?? null, firstFailedRate: failed?.rate ?? null, description },
    baselineSkipped: baseline === null ? baselineSkipped : null,
  };
}
