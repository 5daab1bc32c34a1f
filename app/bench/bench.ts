import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { Pool as HttpPool } from "undici";
import { SIGNUP_NEW_SQL as SIGNUP_SQL } from "../src/db/queries";
import { DEFAULT_DATABASE_SCHEMA } from "../src/config";
import { runMigrations } from "../src/migrate";
import { buildBundle } from "../scripts/build";

/**
 * `npm run bench -w app`: the signup path against the local PostgreSQL server (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres), not part of the tests.
 *
 * 1. Closed-model throughput, same run: a bare node:http + pg reference running the same statement,
 *    then the built bundle (dist/server.js, with logging, validation, rate limits and IP logic on),
 *    alternated twice; prints both signups/s and the ratio (target >= 0.8).
 * 2. Open-model constant rate: 600 signups/s sent on a fixed schedule for 20 s, latency measured from
 *    the intended send time (no coordinated omission), with the volunteers table at 10 thousand
 *    rows and again at 1 million; prints p50/p95/p99/max and errors (target p99 < 50 ms, within 20%).
 */

const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const APP_DIR = join(__dirname, "..");
const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 8);
const RATE = Number(process.env.BENCH_RATE ?? 600);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 20);
const BIG_ROWS = Number(process.env.BENCH_BIG_ROWS ?? 1_000_000);

function dbUrl(name: string): string {
  const u = new URL(SERVER);
  u.pathname = `/${name}`;
  return u.toString();
}

interface Server {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * Starts a server process whose stdout goes to a file, as a container runtime's log driver would
 * take it (a pipe read by the busy load generator would add its own stalls), and waits until it
 * answers.
 */
async function startServer(script: string, args: string[], env: Record<string, string>, logFile: string): Promise<Server> {
  const port = await freePort();
  const out = openSync(logFile, "w");
  // e.g. BENCH_NODE_ARGS=--trace-gc to see collector pauses in the servers' logs
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const proc = spawn(process.execPath, [...nodeArgs, script, ...args], { env: { PATH: process.env.PATH ?? "", ...env, PORT: String(port) }, stdio: ["ignore", out, "inherit"] });
  closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${script} exited with ${proc.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.status < 500, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${script} did not answer on ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    proc,
    stop: () =>
      new Promise<void>((r) => {
        if (proc.exitCode !== null) return r();
        proc.once("exit", () => r());
        proc.kill("SIGTERM");
      }),
  };
}

let seq = 0;
const runId = randomBytes(3).toString("hex");
function nextSignup(): { body: string; ip: string } {
  seq += 1;
  // one visitor per request, as behind Cloudflare: the app's per-IP rate limit sees distinct clients
  const ip = `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`;
  return {
    body: JSON.stringify({ email: `bench-${runId}-${seq}@example.org`, firstName: "Camille", lastName: "Martin", zip: "75011" }),
    ip,
  };
}

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc (Linux); undefined elsewhere.
 * Per signup, it tells the cost of the code path apart from how much of a shared machine the run got.
 * https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11] and [12] are utime and stime (the 14th and 15th of the line), in clock ticks
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on Linux for every architecture the app runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

async function throughput(url: string, seconds: number, pid?: number): Promise<{ perSecond: number; non2xx: number; errors: number; p99: number; cpuUsPerSignup: number }> {
  const cpuBefore = cpuMs(pid);
  const result = await autocannon({
    url: `${url}/api/volunteers`,
    connections: 50,
    duration: seconds,
    method: "POST",
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const s = nextSignup();
          return { ...req, method: "POST", body: s.body, headers: { "content-type": "application/json", "cf-connecting-ip": s.ip } };
        },
      },
    ],
  });
  const cpuAfter = cpuMs(pid);
  const cpuUsPerSignup = cpuBefore !== undefined && cpuAfter !== undefined && result["2xx"] > 0 ? ((cpuAfter - cpuBefore) * 1000) / result["2xx"] : NaN;
  return { perSecond: result["2xx"] / seconds, non2xx: result.non2xx, errors: result.errors, p99: result.latency.p99, cpuUsPerSignup };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Open model: request i is due at t0 + i/rate whatever happened before; latency counts from then. */
async function constantRate(url: string, rate: number, seconds: number): Promise<{ sent: number; ok: number; errors: number; p50: number; p95: number; p99: number; max: number }> {
  const pool = new HttpPool(url, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });
  const total = rate * seconds;
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const inflight: Array<Promise<void>> = [];
  const t0 = performance.now() + 20;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      while (sent < due) {
        const intended = t0 + (sent * 1000) / rate;
        const s = nextSignup();
        sent += 1;
        inflight.push(
          pool
            .request({ path: "/api/volunteers", method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": s.ip }, body: s.body })
            .then(async (res) => {
              await res.body.text();
              latencies.push(performance.now() - intended);
              if (res.statusCode === 202) ok += 1;
              else errors += 1;
            })
            .catch(() => {
              latencies.push(performance.now() - intended);
              errors += 1;
            }),
        );
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 20);
  });
  await Promise.all(inflight);
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { sent, ok, errors, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1]! };
}

async function volunteerRows(client: pg.Client): Promise<number> {
  return (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM volunteers")).rows[0]!.n;
}

async function seedTo(client: pg.Client, rows: number): Promise<void> {
  const have = await volunteerRows(client);
  if (have >= rows) return;
  const t = Date.now();
  // generate_series in chunks of 250k so each statement stays a reasonable transaction
  for (let from = have + 1; from <= rows; from += 250_000) {
    const to = Math.min(rows, from + 249_999);
    await client.query(
      `INSERT INTO volunteers (email, first_name, last_name, zip, created_at)
       SELECT 'seed-' || g || '@example.org', 'Seed', 'Row', lpad(((g % 95) + 1)::text, 2, '0') || '000', now() - (g || ' seconds')::interval
       FROM generate_series($1::int, $2::int) g`,
      [from, to],
    );
  }
  await client.query("VACUUM ANALYZE volunteers");
  await client.query("VACUUM ANALYZE email_outbox");
  process.stdout.write(`  seeded volunteers to ${rows.toLocaleString("en")} rows in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}

const fmt = (n: number) => n.toFixed(1).padStart(7);

async function main(): Promise<void> {
  const bundle = await buildBundle(APP_DIR);
  const name = `renfort_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = dbUrl(name);
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${DEFAULT_DATABASE_SCHEMA}` });
  let app: Server | undefined;
  let ref: Server | undefined;
  try {
    await runMigrations(url, { schema: DEFAULT_DATABASE_SCHEMA });
    await client.connect();
    const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
    process.stdout.write(`Renfort signup benchmark — PostgreSQL ${version} at ${new URL(SERVER).host}, node ${process.version}, bundle ${bundle}\n\n`);

    const appEnv: Record<string, string> = { DATABASE_URL: url, HOST: "127.0.0.1", TRUSTED_PROXIES: "127.0.0.1/32", LOG_LEVEL: process.env.BENCH_APP_LOG_LEVEL ?? "info", PG_POOL_SIZE: "20" };

    ref = await startServer(join(__dirname, "reference-server.cjs"), [], { DATABASE_URL: url, PG_POOL_SIZE: "20", SIGNUP_SQL }, join(tmpdir(), "renfort-bench-reference.log"));
    app = await startServer(bundle, [], appEnv, join(tmpdir(), "renfort-bench-app.log"));

    process.stdout.write(`1. Throughput (closed model, 50 connections, ${THROUGHPUT_SECONDS} s per run, alternated)\n`);
    await throughput(ref.url, 2); // warm-up: JIT, pools, prepared statements
    await throughput(app.url, 2);
    const refRuns = [];
    const appRuns = [];
    for (let round = 0; round < 2; round++) {
      refRuns.push(await throughput(ref.url, THROUGHPUT_SECONDS, ref.proc.pid));
      appRuns.push(await throughput(app.url, THROUGHPUT_SECONDS, app.proc.pid));
    }
    const mean = (xs: Array<{ perSecond: number }>) => xs.reduce((s, x) => s + x.perSecond, 0) / xs.length;
    const cpuMean = (xs: Array<{ cpuUsPerSignup: number }>) => xs.reduce((s, x) => s + x.cpuUsPerSignup, 0) / xs.length;
    const refRate = mean(refRuns);
    const appRate = mean(appRuns);
    for (const [label, runs] of [["reference (node:http + pg)", refRuns], ["app (dist/server.js)", appRuns]] as const) {
      process.stdout.write(
        `   ${label.padEnd(28)} ${runs.map((r) => r.perSecond.toFixed(0)).join(" / ")} signups/s (mean ${mean(runs).toFixed(0)}), server CPU ${cpuMean(runs).toFixed(0)} µs/signup, non-2xx ${runs.reduce((s, r) => s + r.non2xx, 0)}, errors ${runs.reduce((s, r) => s + r.errors, 0)}\n`,
      );
    }
    const ratio = appRate / refRate;
    process.stdout.write(`   ratio app/reference: ${ratio.toFixed(2)} (target >= 0.80) ${ratio >= 0.8 ? "OK" : "BELOW TARGET"}; CPU per signup app/reference: ${(cpuMean(appRuns) / cpuMean(refRuns)).toFixed(2)}\n\n`);

    // Fresh processes for the latency experiment: the closed-model burst above leaves a heap whose
    // old-generation collection would otherwise land in the first measured phase and not the second.
    await ref.stop();
    await app.stop();
    ref = await startServer(join(__dirname, "reference-server.cjs"), [], { DATABASE_URL: url, PG_POOL_SIZE: "20", SIGNUP_SQL }, join(tmpdir(), "renfort-bench-reference.log"));
    app = await startServer(bundle, [], appEnv, join(tmpdir(), "renfort-bench-app.log"));

    process.stdout.write(`2. Constant offered rate ${RATE} signups/s for ${RATE_SECONDS} s (open model, latency from the intended send time)\n`);
    // start from exactly 10k rows
    await client.query("TRUNCATE email_outbox, applications, volunteer_confirmations, volunteers");
    await seedTo(client, 10_000);
    const results: Array<[string, Awaited<ReturnType<typeof constantRate>>]> = [];
    for (const rows of [10_000, BIG_ROWS]) {
      await seedTo(client, rows);
      const before = await volunteerRows(client);
      // Both table sizes start from the same state: no checkpoint left over from the previous phase
      // (throughput run, seeding) flushing pages in the middle of the measurement.
      await client.query("CHECKPOINT").catch(() => undefined);
      for (const [label, server] of [["reference", ref], ["app", app]] as const) {
        await constantRate(server.url, RATE, 3); // warm-up at the same rate (connections, caches), not measured
        const r = await constantRate(server.url, RATE, RATE_SECONDS);
        if (label === "app") results.push([`${before.toLocaleString("en")} rows`, r]);
        process.stdout.write(
          `   ${label.padEnd(9)} volunteers at ${before.toLocaleString("en").padStart(9)}: sent ${r.sent}, 202 ${r.ok}, errors ${r.errors} | p50 ${fmt(r.p50)} ms  p95 ${fmt(r.p95)} ms  p99 ${fmt(r.p99)} ms  max ${fmt(r.max)} ms\n`,
        );
      }
    }
    const [small, big] = [results[0]![1], results[1]![1]];
    const drift = Math.abs(big.p99 - small.p99) / small.p99;
    process.stdout.write(
      `   app p99 < 50 ms at both sizes: ${small.p99 < 50 && big.p99 < 50 ? "OK" : "MISSED"}; p99 at 1M vs 10k: ${(big.p99 - small.p99).toFixed(1)} ms (${(drift * 100).toFixed(0)}%, target within 20%: ${drift <= 0.2 ? "OK" : "MISSED"}); errors ${small.errors + big.errors}\n`,
    );
  } finally {
    await ref?.stop();
    await app?.stop();
    await client.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
