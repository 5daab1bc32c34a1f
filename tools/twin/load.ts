/**
 * The steady signup load every drill runs under, and the verdict on what it left in the database.
 *
 * Open model: request i leaves at t0 + i/rate whatever the answers before it, so an outage shows as the
 * failures and latency it caused. The load goes through the edge when the twin has one and takes visitor
 * IPs from a header (`up --client-ip-header cf-connecting-ip`), else straight to the first load balancer
 * from a Cloudflare stand-in address; each request carries its own visitor IP so per-visitor rate limits
 * do not interfere. node:https rather than fetch: the latter cannot pick the source address.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { databaseClient, originAuthHeaders } from "./checks";
import type { Summary } from "./twin";

export interface SignupResult {
  email: string;
  /** HTTP status, 0 for a network error or timeout. */
  status: number;
  /** When it was sent, ms since the load started. */
  sentMs: number;
  ms: number;
}

export interface LoadHandle {
  /** Where the load goes (for the report). */
  via: string;
  /** Prefix of every email this load signs up (`<prefix><seq>@example.org`). */
  prefix: string;
  t0: number;
  /** Stops sending and resolves once every answer is in. */
  stop(): Promise<SignupResult[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `rate` signups per second towards the twin; runs until `stop()`. */
export function startSignupLoad(s: Summary, rate: number, tag: string): LoadHandle {
  const viaEdge = s.edge !== null && s.edge.clientIpHeader !== null;
  const target = viaEdge ? { address: s.edge!.address, port: s.edge!.httpsPort, localAddress: undefined } : { address: s.loadBalancers[0].address, port: s.loadBalancers[0].httpsPort, localAddress: s.cloudflareSourceAddresses[0] };
  const ipHeader = viaEdge ? s.edge!.clientIpHeader! : "cf-connecting-ip";
  // Straight to a load balancer the load plays the edge, which adds the origin lock's header.
  const lockHeaders = viaEdge ? {} : originAuthHeaders(s);
  // Idle connections are dropped after 4 s (node's agent destroys a free socket on its timeout), before the load
  // balancer's keep-alive timeout closes one as a request is sent on it (the likely cause of one network error in a
  // release drill, 30 s after a burst of latency had opened extra connections; HAProxy's timeout client is 30 s).
  const agent = new Agent({ keepAlive: true, timeout: 4_000, maxSockets: 256, ca: readFileSync(s.caFile, "utf8"), localAddress: target.localAddress });
  const prefix = `drill-${tag}-${randomBytes(3).toString("hex")}-`;
  const results: SignupResult[] = [];
  const pending = new Set<Promise<void>>();
  const t0 = Date.now();
  let stopped = false;

  const send = (seq: number) => {
    const email = `${prefix}${seq}@example.org`;
    const body = JSON.stringify({ email, firstName: "Camille", lastName: "Exercice", zip: "13001" });
    const started = Date.now();
    const p = new Promise<void>((resolve) => {
      const done = (status: number) => {
        results.push({ email, status, sentMs: started - t0, ms: Date.now() - started });
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
          // 198.18.0.0/15 (RFC 2544, benchmarking): one simulated visitor per request.
          headers: { host: s.hosts.main, "content-type": "application/json", "content-length": Buffer.byteLength(body), [ipHeader]: `198.${18 + ((seq >> 16) & 1)}.${(seq >> 8) & 255}.${seq & 255}`, ...lockHeaders },
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
    pending.add(p);
    void p.then(() => pending.delete(p));
  };

  const loop = (async () => {
    for (let seq = 0; !stopped; seq++) {
      const wait = t0 + (seq * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait);
      if (!stopped) send(seq);
    }
  })();

  return {
    via: `${viaEdge ? "edge" : "load balancer"} ${target.address}:${target.port}`,
    prefix,
    t0,
    async stop() {
      stopped = true;
      await loop;
      await Promise.all([...pending]);
      agent.destroy();
      return results.sort((a, b) => a.sentMs - b.sentMs);
    },
  };
}

export interface LoadFigures {
  sent: number;
  acknowledged: number;
  /** Answers other than 202, by status (0 = network error or timeout). */
  failed: Record<string, number>;
  /** Achieved signups/s: acknowledged over the time from the first request to the last answer. */
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Acknowledged signups missing from the database, and stored more than once. */
  lostAcknowledged: number;
  duplicated: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Counts of each acknowledged email in `stored` (lower-cased email → rows): missing and duplicated. */
export function lossAndDuplicates(acknowledged: readonly string[], stored: ReadonlyMap<string, number>): { lost: number; duplicated: number } {
  let lost = 0;
  let duplicated = 0;
  for (const email of acknowledged) {
    const n = stored.get(email.toLowerCase()) ?? 0;
    if (n === 0) lost++;
    if (n > 1) duplicated++;
  }
  return { lost, duplicated };
}

/** Reads back every signup of the load from the twin's database and sums the figures. */
export async function loadFigures(s: Summary, prefix: string, results: readonly SignupResult[]): Promise<LoadFigures> {
  const acked = results.filter((r) => r.status === 202);
  const failed: Record<string, number> = {};
  for (const r of results) if (r.status !== 202) failed[String(r.status)] = (failed[String(r.status)] ?? 0) + 1;
  const db = await databaseClient(s);
  let stored: Map<string, number>;
  try {
    const rows = await db.query<{ email: string; n: number }>("SELECT lower(email) AS email, count(*)::int AS n FROM volunteers WHERE email LIKE $1 GROUP BY lower(email)", [`${prefix}%`]);
    stored = new Map(rows.rows.map((r) => [r.email, r.n]));
  } finally {
    await db.end();
  }
  const { lost, duplicated } = lossAndDuplicates(
    acked.map((a) => a.email),
    stored,
  );
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
  // From the first request sent to the last answer received: a backlog worked off late lowers it.
  const span = results.length > 0 ? (Math.max(...results.map((r) => r.sentMs + r.ms)) - results[0].sentMs) / 1000 : 0;
  return {
    sent: results.length,
    acknowledged: acked.length,
    failed,
    achievedPerSecond: span > 0 ? Math.round((acked.length / span) * 10) / 10 : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    lostAcknowledged: lost,
    duplicated,
  };
}

/** First and last failed request, seconds after `fromMs` (ms since the load started); null when none failed. */
export function failureWindow(results: readonly SignupResult[], fromMs: number): { from: number; to: number } | null {
  const failures = results.filter((r) => r.status !== 202).map((r) => r.sentMs);
  if (failures.length === 0) return null;
  const round = (ms: number) => Math.round((ms - fromMs) / 100) / 10;
  return { from: round(Math.min(...failures)), to: round(Math.max(...failures)) };
}
