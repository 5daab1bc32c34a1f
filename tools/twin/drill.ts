/**
 * Drills on a running twin (issue 16): `instance-kill` kills one app process (SIGKILL, as a host failure)
 * under a steady signup load and reports what the visitors saw and whether any acknowledged signup was
 * lost: every 201 must be a stored row, exactly once. The load goes through the edge when the twin has one
 * and takes visitor IPs from a header (`up --client-ip-header cf-connecting-ip`), else straight to the first
 * load balancer from a Cloudflare stand-in address; each request carries its own visitor IP (CF-Connecting-IP)
 * so per-visitor rate limits do not interfere.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { databaseClient, originAuthHeaders } from "./checks";
import { startTime, type Summary } from "./twin";

export interface DrillOptions {
  summary: Summary;
  /** The processes `up` recorded (what, pid). */
  processes: Array<{ pid: number; what: string; alive: boolean }>;
  /** Signups per second. */
  rate: number;
  /** Seconds of load; the kill happens at a third of it. */
  seconds: number;
  log?: (line: string) => void;
}

export interface DrillReport {
  drill: "instance-kill";
  killed: { what: string; pid: number; atSecond: number };
  rate: number;
  seconds: number;
  sent: number;
  acknowledged: number;
  /** Answers other than 201, by status (0 = network error or timeout). */
  failed: Record<string, number>;
  /** First and last failed request, seconds after the kill (null when none failed). */
  failureWindow: { from: number; to: number } | null;
  /** Acknowledged signups missing from the database, and stored more than once. */
  lostAcknowledged: number;
  duplicated: number;
  p99Ms: number;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function instanceKill(o: DrillOptions): Promise<DrillReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const s = o.summary;
  const instances = o.processes.filter((p) => p.what.startsWith("instance ") && p.alive);
  if (instances.length < 2) {
    throw new Error(`the drill needs at least 2 running app instances, the twin has ${instances.length}: run npm run twin -- up --stack ${s.stack} --instances 2`);
  }
  const viaEdge = s.edge !== null && s.edge.clientIpHeader !== null;
  const target = viaEdge ? { address: s.edge!.address, port: s.edge!.httpsPort, localAddress: undefined } : { address: s.loadBalancers[0].address, port: s.loadBalancers[0].httpsPort, localAddress: s.cloudflareSourceAddresses[0] };
  const ipHeader = viaEdge ? s.edge!.clientIpHeader! : "cf-connecting-ip";
  // Straight to a load balancer the drill plays the edge, which adds the origin lock's header.
  const lockHeaders = viaEdge ? {} : originAuthHeaders(s);
  const ca = readFileSync(s.caFile, "utf8");
  const agent = new Agent({ keepAlive: true, maxSockets: 64, ca, localAddress: target.localAddress });
  const run = randomBytes(3).toString("hex");
  log(`drill instance-kill: ${o.rate} signups/s for ${o.seconds}s through the ${viaEdge ? "edge" : "load balancer"} (${target.address}:${target.port}); ${instances[0].what} (pid ${instances[0].pid}) is killed at ${Math.round(o.seconds / 3)}s`);

  const results: Array<{ email: string; status: number; at: number; ms: number }> = [];
  const pending: Promise<void>[] = [];
  const send = (seq: number, at: number) =>
    new Promise<void>((resolve) => {
      const email = `drill-${run}-${seq}@example.org`;
      const body = JSON.stringify({ email, firstName: "Camille", lastName: "Exercice", zip: "13001" });
      const started = Date.now();
      const done = (status: number) => {
        results.push({ email, status, at, ms: Date.now() - started });
        resolve();
      };
      const req = request(
        {
          host: target.address,
          port: target.port,
          servername: s.hosts.main,
          path: "/api/volunteers",
          method: "POST",
          agent,
          timeout: 10_000,
          headers: { host: s.hosts.main, "content-type": "application/json", "content-length": Buffer.byteLength(body), [ipHeader]: `198.18.${(seq >> 8) & 255}.${seq & 255}`, ...lockHeaders },
        },
        (res) => {
          res.resume();
          res.on("end", () => done(res.statusCode ?? 0));
          res.on("error", () => done(0));
        },
      );
      req.on("timeout", () => req.destroy());
      req.on("error", () => done(0));
      req.end(body);
    });

  const victim = instances[0];
  const victimStart = startTime(victim.pid);
  const t0 = Date.now();
  const killAt = t0 + (o.seconds * 1000) / 3;
  let killed = false;
  const total = Math.round(o.rate * o.seconds);
  for (let seq = 0; seq < total; seq++) {
    // Open model: each request leaves at its planned time, whatever the answers before it.
    const planned = t0 + (seq * 1000) / o.rate;
    const wait = planned - Date.now();
    if (wait > 0) await sleep(wait);
    if (!killed && Date.now() >= killAt) {
      // Only the process `up` started (same pid and start time).
      if (startTime(victim.pid) === victimStart) process.kill(victim.pid, "SIGKILL");
      killed = true;
    }
    pending.push(send(seq, (Date.now() - killAt) / 1000));
  }
  await Promise.all(pending);
  agent.destroy();

  const acked = results.filter((r) => r.status === 201);
  const failed: Record<string, number> = {};
  for (const r of results) if (r.status !== 201) failed[String(r.status)] = (failed[String(r.status)] ?? 0) + 1;
  const failures = results.filter((r) => r.status !== 201).map((r) => r.at);
  const db = await databaseClient(s);
  let lost = 0;
  let duplicated = 0;
  try {
    const rows = await db.query<{ email: string; n: number }>("SELECT lower(email) AS email, count(*)::int AS n FROM volunteers WHERE email LIKE $1 GROUP BY lower(email)", [`drill-${run}-%`]);
    const stored = new Map(rows.rows.map((r) => [r.email, r.n]));
    for (const a of acked) {
      const n = stored.get(a.email.toLowerCase()) ?? 0;
      if (n === 0) lost++;
      if (n > 1) duplicated++;
    }
  } finally {
    await db.end();
  }
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
  const report: DrillReport = {
    drill: "instance-kill",
    killed: { what: victim.what, pid: victim.pid, atSecond: Math.round((killAt - t0) / 100) / 10 },
    rate: o.rate,
    seconds: o.seconds,
    sent: results.length,
    acknowledged: acked.length,
    failed,
    failureWindow: failures.length > 0 ? { from: Math.round(Math.min(...failures) * 10) / 10, to: Math.round(Math.max(...failures) * 10) / 10 } : null,
    lostAcknowledged: lost,
    duplicated,
    p99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
    ok: lost === 0 && duplicated === 0,
  };
  return report;
}
