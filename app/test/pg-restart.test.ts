import { performance } from "node:perf_hooks";
import { runMigrations } from "../src/migrate";
import { startApp, volunteer, type Harness } from "./app-harness";
import { schema, schemaPool, type TestDb } from "./db";
import { findPostgresBin, startPrivateCluster, type PrivateCluster } from "./private-pg";

/**
 * Issue 11, "no acknowledged signup lost": under a steady open-model signup load, the PostgreSQL
 * server goes away twice, a clean stop (`pg_ctl stop -m fast`) and a crash (`-m immediate`, recovery
 * from WAL), 3 s or more each. Every 202 must be stored exactly once afterwards; while the server is away the
 * app answers 503 + Retry-After (never a 500, never a hang) while /readyz stays 200 (an outage shorter
 * than the readiness grace keeps the instance in the load balancers), and the app recovers by itself. A private cluster plays the server: the shared one is never
 * restarted.
 */

const bin = findPostgresBin();
const ci = process.env.CI === "true";
if (!bin && !ci) {
  console.log(
    "pg-restart.test.ts skipped: no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/*/bin; " +
      "install the postgresql package to run it (under CI=true this fails instead)",
  );
}
const maybe = bin || ci ? test : test.skip;

const RATE = 100; // signups per second, open model
const OUTAGE_MS = 3000;
// Far above the app's REQUEST_TIMEOUT_MS below: a hang shows up as status 0, while a loaded machine's
// slow answers (seconds, load average 10+ on 2 cores) still arrive.
const CLIENT_TIMEOUT_MS = 30_000;
// Recovery bound: unloaded it takes well under a second; a loaded machine is given 15 s. An app that needs
// a restart to reconnect never recovers, whatever the bound.
const RECOVERY_BOUND_MS = 15_000;
const REQUEST_TIMEOUT_MS = 5000;
// The outage lasts until a signup and a /readyz probe sent while away were answered (events): on a loaded
// machine one answer can take longer than OUTAGE_MS. Bounded far below the app's readiness grace (90 s).
const AWAY_BOUND_MS = 30_000;

interface Signup {
  email: string;
  sentAt: number;
  doneAt: number;
  status: number; // 0: no answer (network error or client timeout)
  retryAfter: string | undefined;
}
interface Probe {
  sentAt: number;
  doneAt: number;
  status: number;
}
interface Outage {
  mode: "fast" | "immediate";
  stopAt: number;
  stoppedAt: number;
  startAt: number;
  startedAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cluster: PrivateCluster | undefined;
let app: Harness | undefined;
afterAll(async () => {
  await app?.close().catch(() => undefined);
  await cluster?.destroy();
});

maybe(
  "PostgreSQL stopped (fast) and crashed (immediate) under 100 signups/s: every 202 stored once, 503 + Retry-After while away, /readyz 200 through the short outage, recovers by itself",
  async () => {
    if (!bin) throw new Error("CI=true but no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (initdb, pg_ctl): install postgresql on the runner");
    cluster = await startPrivateCluster(bin);
    await runMigrations(cluster.url, { schema });
    const check = schemaPool(cluster.url, 1);
    const db: TestDb = { mode: "server", url: cluster.url, pool: check, drop: async () => undefined };
    app = await startApp(db, { PG_POOL_SIZE: "8", PG_POOL_WAIT_MS: "1000", REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), LOG_LEVEL: "warn" });
    const base = app.baseUrl;
    const t0 = performance.now();
    const now = () => performance.now() - t0;

    const signups: Signup[] = [];
    const probes: Probe[] = [];
    const inflight: Array<Promise<void>> = [];
    let loading = true;

    const fire = () => {
      const body = volunteer();
      const email = body.email as string;
      const sentAt = now();
      inflight.push(
        fetch(`${base}/api/volunteers`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
        }).then(
          async (r) => {
            await r.arrayBuffer();
            signups.push({ email, sentAt, doneAt: now(), status: r.status, retryAfter: r.headers.get("retry-after") ?? undefined });
          },
          () => {
            signups.push({ email, sentAt, doneAt: now(), status: 0, retryAfter: undefined });
          },
        ),
      );
    };
    // Open model: each request leaves at its scheduled time, whatever the previous ones are doing.
    const loader = (async () => {
      for (let i = 0; loading; i++) {
        const wait = (i * 1000) / RATE - now();
        if (wait > 0) await sleep(wait);
        fire();
      }
    })();
    const prober = (async () => {
      while (loading) {
        const sentAt = now();
        const status = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) }).then(
          async (r) => (await r.arrayBuffer(), r.status),
          () => 0,
        );
        probes.push({ sentAt, doneAt: now(), status });
        await sleep(100);
      }
    })();

    const outages: Outage[] = [];
    try {
      await sleep(2000);
      for (const mode of ["fast", "immediate"] as const) {
        const stopAt = now();
        await cluster.stop(mode);
        const stoppedAt = now();
        await sleep(OUTAGE_MS);
        const answeredWhileAway = () =>
          signups.some((x) => x.sentAt >= stoppedAt && x.status !== 0) && probes.some((x) => x.sentAt >= stoppedAt && x.status !== 0);
        const awayDeadline = now() + AWAY_BOUND_MS;
        while (!answeredWhileAway() && now() < awayDeadline) await sleep(50);
        const startAt = now();
        await cluster.start();
        const startedAt = now();
        outages.push({ mode, stopAt, stoppedAt, startAt, startedAt });
        // Back when a signup sent after the start got 202 and /readyz said 200 (events, not a fixed sleep),
        // then one more second of load for the tail check.
        const back = () => signups.some((x) => x.status === 202 && x.sentAt >= startedAt) && probes.some((x) => x.status === 200 && x.sentAt >= startedAt);
        const deadline = startedAt + RECOVERY_BOUND_MS + 5000;
        while (!back() && now() < deadline) await sleep(50);
        await sleep(1500);
      }
    } finally {
      loading = false;
      await loader;
      await prober;
      await Promise.all(inflight);
    }

    // --- what the clients saw ---
    const byStatus = new Map<number, number>();
    for (const s of signups) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
    const shed = signups.filter((s) => s.status === 503);
    const acked = signups.filter((s) => s.status === 202).map((s) => s.email);
    const maxMs = Math.max(...signups.map((s) => s.doneAt - s.sentAt));
    const recovery = outages.map((o) => {
      const first = signups.filter((s) => s.status === 202 && s.sentAt >= o.startedAt).sort((a, b) => a.doneAt - b.doneAt)[0];
      const ready = probes.filter((p) => p.status === 200 && p.sentAt >= o.startedAt).sort((a, b) => a.doneAt - b.doneAt)[0];
      const awaySignups = signups.filter((s) => s.sentAt >= o.stoppedAt && s.doneAt <= o.startAt);
      const awayProbes = probes.filter((p) => p.sentAt >= o.stoppedAt && p.doneAt <= o.startAt);
      return {
        mode: o.mode,
        signupMs: first ? Math.round(first.doneAt - o.startedAt) : Infinity,
        readyMs: ready ? Math.round(ready.doneAt - o.startedAt) : Infinity,
        awaySignups,
        awayProbes,
      };
    });

    // --- what the database kept ---
    const stored = await check.query<{ e: string; n: number }>(
      "SELECT lower(email) AS e, count(*)::int AS n FROM volunteers WHERE lower(email) = ANY($1) GROUP BY 1",
      [signups.map((s) => s.email.toLowerCase())],
    );
    const storedCount = new Map(stored.rows.map((r) => [r.e, r.n]));
    const ackedStored = acked.filter((e) => storedCount.get(e.toLowerCase()) === 1).length;
    const duplicates = stored.rows.filter((r) => r.n > 1).length;
    // a 503 whose transaction committed before the connection dropped: the client's retry gets 202 (and a second link), nothing is lost
    const shedButStored = shed.filter((s) => storedCount.has(s.email.toLowerCase())).length;

    console.log(
      `pg restart (fast + immediate stop, ${outages.map((o) => Math.round(o.startAt - o.stoppedAt)).join(" / ")} ms away) at ${RATE}/s: offered ${signups.length}, ` +
        `acknowledged ${acked.length}, stored ${ackedStored} of them, duplicates ${duplicates}, ` +
        `503 ${shed.length} (${shedButStored} committed anyway), other ${signups.length - acked.length - shed.length} ${JSON.stringify(Object.fromEntries(byStatus))}, ` +
        `max latency ${Math.round(maxMs)} ms, recovery after start ${recovery.map((r) => `${r.mode}: first 202 ${r.signupMs} ms, /readyz 200 ${r.readyMs} ms`).join("; ")}, ` +
        `while away: ${recovery.map((r) => `${r.awaySignups.length} signups ${[...new Set(r.awaySignups.map((s) => s.status))].join("/")}, ${r.awayProbes.length} /readyz ${[...new Set(r.awayProbes.map((p) => p.status))].join("/")}`).join("; ")}`,
    );

    expect(outages).toHaveLength(2);
    // only 202 or 503: no 500, no hang (status 0), no answer slower than the request timeout
    expect(signups.filter((s) => s.status !== 202 && s.status !== 503).map((s) => s.status)).toEqual([]);
    expect(maxMs).toBeLessThan(3 * REQUEST_TIMEOUT_MS);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed.filter((s) => !(Number(s.retryAfter) > 0))).toEqual([]);
    // every acknowledged signup is in the database, exactly once
    expect(acked.length).toBeGreaterThan(RATE * 3);
    expect(ackedStored).toBe(acked.length);
    expect(duplicates).toBe(0);
    for (const r of recovery) {
      // while the server was away: signups answered 503, and /readyz stayed 200: an outage shorter than
      // READINESS_GRACE_MS (default 90 s, longer than a managed-database failover) keeps the instance in
      // the load balancers, so volunteers get the app's own 503 + Retry-After (src/readiness.ts)
      expect([r.mode, r.awaySignups.length > 0, r.awaySignups.every((s) => s.status === 503)]).toEqual([r.mode, true, true]);
      expect([r.mode, r.awayProbes.length > 0, r.awayProbes.every((p) => p.status === 200)]).toEqual([r.mode, true, true]);
      // and back by itself, without a restart of the app
      expect(r.signupMs).toBeLessThan(RECOVERY_BOUND_MS);
      expect(r.readyMs).toBeLessThan(RECOVERY_BOUND_MS);
    }
    // the last second of load is all 202
    const end = Math.max(...signups.map((s) => s.sentAt));
    const tail = signups.filter((s) => s.sentAt > end - 1000);
    expect(tail.length).toBeGreaterThan(RATE / 2);
    expect(tail.filter((s) => s.status !== 202)).toEqual([]);
    expect((await app.request("GET", "/readyz")).statusCode).toBe(200);
    await check.end();
  },
  150_000,
);
