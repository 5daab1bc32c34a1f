/**
 * `npm run twin -- campaign home|signup|apex`: the launch campaigns against the running twin, one command
 * each. It reads the twin's summary and runs `npm run loadtest` (tools/loadtest/cli.ts) with the targets
 * the summary gives, so nobody copies addresses by hand:
 * - home: page and asset GETs through the edge, the edge's cache status header judged;
 * - signup: signups through edge → load balancer → fleet → database, visitors simulated with
 *   CF-Connecting-IP (the twin must have been started with `--client-ip-header cf-connecting-ip`, else the
 *   edge sees one visitor and its rate limit answers), the held figure per instance of the twin;
 * - apex: the redirect straight from the first load balancer's HTTP frontend (the apex record is not
 *   proxied by the edge), against a bare HAProxy measured with wrk in the same run.
 * Options after `--` go to the load tool as they are (e.g. `-- --steps 50,100 --step-seconds 10`).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Summary } from "./twin";

const LOADTEST = join(__dirname, "..", "loadtest", "cli.ts");

/** The load tool's arguments for `scenario` against the twin `s`. */
export function campaignArgs(s: Summary, scenario: "home" | "signup" | "apex", report: string | undefined, extra: readonly string[]): string[] {
  const out = ["--scenario", scenario];
  if (scenario === "apex") {
    const lb = s.loadBalancers[0];
    out.push("--url", `http://${lb.address}:${lb.httpPort}`, "--host-header", s.hosts.apex, "--main-host", s.hosts.main);
  } else {
    if (!s.edge) throw new Error(`the ${scenario} campaign goes through the edge, and this twin has none (tools/twin/edge is absent)`);
    out.push("--url", `https://${s.edge.address}:${s.edge.httpsPort}`, "--ca-file", s.edge.caFile, "--host-header", s.hosts.main, "--servername", s.hosts.main);
    if (scenario === "home") out.push("--cache-status-header", s.edge.cacheStatusHeader);
    if (scenario === "signup") {
      if (s.edge.clientIpHeader !== "cf-connecting-ip") {
        throw new Error("the signup campaign simulates its visitors with CF-Connecting-IP: start the twin with npm run twin -- up ... --client-ip-header cf-connecting-ip");
      }
      out.push("--client-ips", "100000", "--instances", String(s.instances.length));
    }
  }
  if (report) out.push("--report", report);
  return [...out, ...extra];
}

export function runCampaign(o: { summary: Summary; scenario: "home" | "signup" | "apex"; report?: string; extra: readonly string[] }): number {
  const args = campaignArgs(o.summary, o.scenario, o.report, o.extra);
  console.log(`npm run loadtest -- ${args.join(" ")}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", LOADTEST, ...args], { stdio: "inherit", env: { ...process.env, INIT_CWD: process.env.INIT_CWD ?? process.cwd() } });
  if (r.error) throw r.error;
  return r.status ?? 3;
}
