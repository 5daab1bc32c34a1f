/**
 * Throughput of the edge stand-in, measured with wrk (Debian package `wrk`) in one run:
 * 1. a local HTTPS upstream served directly (the baseline);
 * 2. through the edge, a cached page (cf-cache-status HIT: the edge answers alone);
 * 3. through the edge, a page the origin marks no-store (every request runs the rules and goes upstream).
 * Prints requests/s of each and the ratios to the baseline measured in the same run.
 *
 *   npx tsx tools/twin/edge/bench.ts [--seconds 5] [--connections 50]
 *
 * Loopback 127.0.40.0/24 only; bounded by --seconds per phase.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startEdge } from "./index";
import { makePki, request, stagingResources, startUpstream } from "./test-support";

const HOST = "www.renfort-staging.fr";

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const v = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
}

/** Runs wrk as a child (asynchronously: the servers under test live in this process). */
async function wrk(url: string, seconds: number, connections: number, headers: Record<string, string>): Promise<{ rps: number; p99ms: number; non2xx: number }> {
  const args = ["-t", "2", "-c", String(connections), "-d", `${seconds}s`, "--latency", ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]), url];
  const { stdout: out } = await promisify(execFile)("wrk", args, { encoding: "utf8", timeout: (seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = p99 ? Number(p99[1]) * (p99[2] === "us" ? 0.001 : p99[2] === "s" ? 1000 : 1) : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p99ms, non2xx };
}

async function main(): Promise<void> {
  const seconds = arg("seconds", 5);
  const connections = arg("connections", 50);
  const pki = makePki();
  const resources = await stagingResources();
  const tls = pki.leaf([HOST]);
  const ups = [await startUpstream("lb-primary", "127.0.40.211", tls), await startUpstream("lb-secondary", "127.0.40.212", tls)];
  const originIps = resources.filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord" && r.inputs.proxied === true).map((r) => String(r.inputs.content));
  const edge = await startEdge({
    resources,
    listen: { address: "127.0.40.201", httpPort: 0, httpsPort: 0 },
    tls,
    upstreams: originIps.map((ip, i) => ({ declaredIp: ip, address: ups[i].address, httpsPort: ups[i].port })),
    upstreamCa: pki.ca,
    sourceAddresses: ["127.0.40.221", "127.0.40.222"],
  });
  try {
    // Warm the cache so phase 2 measures hits only.
    const warm = await request({ scheme: "https", address: edge.address, port: edge.httpsPort, host: HOST, path: "/page-bench", ca: pki.ca });
    if (warm.headers["cf-cache-status"] !== "MISS") throw new Error(`expected a MISS to warm the cache, got ${warm.headers["cf-cache-status"]}`);
    const host = { Host: HOST };
    const direct = await wrk(`https://${ups[0].address}:${ups[0].port}/nostore`, seconds, connections, host);
    const hit = await wrk(`https://${edge.address}:${edge.httpsPort}/page-bench`, seconds, connections, host);
    const connectionsBefore = ups[0].connections + ups[1].connections;
    const pass = await wrk(`https://${edge.address}:${edge.httpsPort}/nostore`, seconds, connections, host);
    const upstreamConnections = ups[0].connections + ups[1].connections - connectionsBefore;
    const fmt = (n: number) => n.toFixed(0).padStart(7);
    process.stdout.write(
      [
        `edge bench: ${seconds}s per phase, ${connections} connections, wrk -t2, HTTPS keep-alive`,
        `upstream direct        ${fmt(direct.rps)} req/s  p99 ${direct.p99ms.toFixed(1)} ms  non-2xx ${direct.non2xx}`,
        `edge, cache HIT        ${fmt(hit.rps)} req/s  p99 ${hit.p99ms.toFixed(1)} ms  non-2xx ${hit.non2xx}  ratio to direct ${(hit.rps / direct.rps).toFixed(2)}`,
        `edge, to origin        ${fmt(pass.rps)} req/s  p99 ${pass.p99ms.toFixed(1)} ms  non-2xx ${pass.non2xx}  ratio to direct ${(pass.rps / direct.rps).toFixed(2)}  (${upstreamConnections} TLS connections to the upstreams)`,
        "",
      ].join("\n"),
    );
  } finally {
    await edge.close();
    await Promise.all(ups.map((u) => u.close()));
    pki.remove();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`edge bench: ${e.message}\n`);
  process.exit(1);
});
