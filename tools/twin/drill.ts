/**
 * Drills on a running twin (issue 16), each under a steady signup load (load.ts) and each checking that
 * every acknowledged signup (202) is a stored row, exactly once:
 * - `instance-kill`: one app process killed (SIGKILL, as a host failure) a third of the way in;
 * - `postgres-restart`: the twin's PostgreSQL stopped (fast shutdown, as a managed-database maintenance
 *   restart) for `--outage` seconds and started again; visitors must see 503s meanwhile, not hangs;
 * - `smtp-down`: the SMTP server stopped for `--outage` seconds (default 60) and started again; the
 *   confirmation mails of the signups meanwhile stay in the outbox and each lands in the mailbox exactly
 *   once afterwards.
 * The release drill is in release.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { databaseClient } from "./checks";
import { failureWindow, loadFigures, startSignupLoad, type LoadFigures } from "./load";
import { dataDir, pgCtl } from "./postgres";
import { postgresOf, smtpCommand, startRecorded, startTime, stopRecorded, waitForPort, type Summary } from "./twin";

export interface DrillOptions {
  summary: Summary;
  /** The processes `up` recorded (what, pid). */
  processes: Array<{ pid: number; what: string; alive: boolean }>;
  /** Signups per second. */
  rate: number;
  /** Seconds of load (at least; a drill's fault happens a third of the way in). */
  seconds: number;
  /** Seconds the part stays away (postgres-restart, smtp-down). */
  outageSeconds?: number;
  log?: (line: string) => void;
}

export interface DrillReport extends LoadFigures {
  drill: "instance-kill" | "postgres-restart" | "smtp-down";
  via: string;
  rate: number;
  seconds: number;
  /** First and last failed request, seconds after the fault began (null when none failed). */
  failureWindow: { from: number; to: number } | null;
  ok: boolean;
  /** Why `ok` is false, one line each. */
  problems: string[];
  [figure: string]: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;

function verdict(figures: LoadFigures): string[] {
  const problems: string[] = [];
  if (figures.lostAcknowledged > 0) problems.push(`${figures.lostAcknowledged} acknowledged signup(s) are not in the database`);
  if (figures.duplicated > 0) problems.push(`${figures.duplicated} acknowledged signup(s) are stored more than once`);
  if (figures.acknowledged === 0) problems.push("no signup was acknowledged at all");
  return problems;
}

export async function instanceKill(o: DrillOptions): Promise<DrillReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const s = o.summary;
  const instances = o.processes.filter((p) => p.what.startsWith("instance ") && p.alive);
  if (instances.length < 2) {
    throw new Error(`the drill needs at least 2 running app instances, the twin has ${instances.length}: run npm run twin -- up --stack ${s.stack} --instances 2`);
  }
  const victim = instances[0];
  const victimStart = startTime(victim.pid);
  const load = startSignupLoad(s, o.rate, "kill");
  log(`drill instance-kill: ${o.rate} signups/s for ${o.seconds}s through the ${load.via}; ${victim.what} (pid ${victim.pid}) is killed at ${Math.round(o.seconds / 3)}s`);
  await sleep((o.seconds * 1000) / 3);
  const killMs = Date.now() - load.t0;
  // Only the process `up` started (same pid and start time).
  if (startTime(victim.pid) === victimStart) process.kill(victim.pid, "SIGKILL");
  await sleep(load.t0 + o.seconds * 1000 - Date.now());
  const results = await load.stop();
  const figures = await loadFigures(s, load.prefix, results);
  const problems = verdict(figures);
  return { drill: "instance-kill", via: load.via, rate: o.rate, seconds: o.seconds, killed: { what: victim.what, pid: victim.pid, atSecond: round1(killMs / 1000) }, ...figures, failureWindow: failureWindow(results, killMs), ok: problems.length === 0, problems };
}

export async function postgresRestart(o: DrillOptions): Promise<DrillReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const s = o.summary;
  const pg = postgresOf(s.stateDir);
  if (!pg || !existsSync(dataDir(pg.dir))) throw new Error(`the twin in ${s.stateDir} has no PostgreSQL cluster of its own`);
  const outage = o.outageSeconds ?? 5;
  const load = startSignupLoad(s, o.rate, "pg");
  log(`drill postgres-restart: ${o.rate} signups/s for at least ${o.seconds}s through the ${load.via}; PostgreSQL stops at ${Math.round(o.seconds / 3)}s for ${outage}s`);
  await sleep((o.seconds * 1000) / 3);
  const stopMs = Date.now() - load.t0;
  // Fast shutdown: open sessions are rolled back and closed, as in a managed database's restart.
  // https://www.postgresql.org/docs/current/app-pg-ctl.html
  await pgCtl(pg.bin, pg.dir, ["-w", "-t", "30", "-m", "fast", "stop"]);
  const stoppedMs = Date.now() - load.t0;
  await sleep(outage * 1000);
  await pgCtl(pg.bin, pg.dir, ["-w", "-t", "60", "-l", join(pg.dir, "server.log"), "start"]);
  const startedMs = Date.now() - load.t0;
  log(`  PostgreSQL stopped in ${round1((stoppedMs - stopMs) / 1000)}s, started again ${round1((startedMs - stopMs) / 1000)}s after the stop`);
  // Keep the load on until the planned end, and at least 10 s past the restart to see the recovery.
  await sleep(Math.max(load.t0 + o.seconds * 1000, Date.now() + 10_000) - Date.now());
  const results = await load.stop();
  const figures = await loadFigures(s, load.prefix, results);
  const problems = verdict(figures);
  // Recovery: from the server being up again to the first signup sent after which every one is acknowledged.
  const lastFailure = results.filter((r) => r.status !== 202).at(-1);
  const recoveredAtMs = lastFailure ? (results.find((r) => r.sentMs > lastFailure.sentMs && r.status === 202)?.sentMs ?? null) : startedMs;
  if (recoveredAtMs === null) problems.push("the signups never succeeded again after the restart");
  const failedOtherThan503 = Object.entries(figures.failed).filter(([st]) => st !== "503");
  if (failedOtherThan503.length > 0) problems.push(`while the database was away visitors got ${failedOtherThan503.map(([st, n]) => `${n}×${st === "0" ? "no answer" : st}`).join(", ")} instead of a 503`);
  return {
    drill: "postgres-restart",
    via: load.via,
    rate: o.rate,
    seconds: round1(results.length / o.rate),
    outageSeconds: outage,
    database: { stoppedAtSecond: round1(stopMs / 1000), stopTookSeconds: round1((stoppedMs - stopMs) / 1000), awaySeconds: round1((startedMs - stoppedMs) / 1000) },
    answered503: figures.failed["503"] ?? 0,
    /** Failed requests by when they were sent: before the stop (the machine's own load shedding), while the server was stopping or away, after it was back. */
    failedByPhase: {
      beforeStop: results.filter((r) => r.status !== 202 && r.sentMs < stopMs).length,
      whileAway: results.filter((r) => r.status !== 202 && r.sentMs >= stopMs && r.sentMs < startedMs).length,
      afterRestart: results.filter((r) => r.status !== 202 && r.sentMs >= startedMs).length,
    },
    ...figures,
    failureWindow: failureWindow(results, stopMs),
    /** Seconds from the server accepting connections again to the first signup of the unbroken run of 201s. */
    recoverySeconds: recoveredAtMs === null ? null : round1(Math.max(0, recoveredAtMs - startedMs) / 1000),
    ok: problems.length === 0,
    problems,
  };
}

/** Recipients of the `.eml` files in the mailbox starting with `prefix`, with how many messages each got. */
export function mailboxCounts(mailbox: string, prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(mailbox)) return counts;
  for (const f of readdirSync(mailbox)) {
    if (!f.endsWith(".eml")) continue;
    const head = readFileSync(join(mailbox, f), "utf8").slice(0, 2000);
    const to = /^X-Twin-Envelope-To: (.*)$/m.exec(head)?.[1]?.trim();
    if (to?.toLowerCase().startsWith(prefix.toLowerCase())) counts.set(to.toLowerCase(), (counts.get(to.toLowerCase()) ?? 0) + 1);
  }
  return counts;
}

export async function smtpDown(o: DrillOptions & { deliveryTimeoutSeconds?: number }): Promise<DrillReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const s = o.summary;
  const smtp = o.processes.find((p) => p.what === "smtp" && p.alive);
  if (!smtp) throw new Error("the twin's SMTP server is not running: run npm run twin -- down, then up again");
  const outage = o.outageSeconds ?? 60;
  // The outbox retries after 5, 10, 20, 40 s... (app/src/outbox.ts, capped at 1 h, with jitter): after an
  // outage of d seconds the last deferred mail is due again within about d + 5 s.
  const deliveryTimeout = o.deliveryTimeoutSeconds ?? outage + 120;
  const load = startSignupLoad(s, o.rate, "smtp");
  log(`drill smtp-down: ${o.rate} signups/s for ${o.seconds}s through the ${load.via}; the SMTP server stops at ${Math.round(o.seconds / 3)}s for ${outage}s`);
  await sleep((o.seconds * 1000) / 3);
  const stopMs = Date.now() - load.t0;
  await stopRecorded(s.stateDir, smtp.pid);
  const stoppedAt = Date.now();
  // Stop the load when it is due, and the outage when it is due, whichever order.
  const loadEnd = sleep(load.t0 + o.seconds * 1000 - Date.now()).then(() => load.stop());
  await sleep(stoppedAt + outage * 1000 - Date.now());
  const db = await databaseClient(s);
  let deferred: number;
  try {
    const q = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM email_outbox WHERE recipient LIKE $1 AND status <> 'sent'", [`${load.prefix}%`]);
    deferred = q.rows[0].n;
  } finally {
    await db.end();
  }
  const cmd = smtpCommand(s.stateDir);
  const pid = startRecorded(s.stateDir, "smtp", cmd.file, cmd.args, cmd.env, cmd.logFile);
  await waitForPort(s.smtp.host, s.smtp.port, "the SMTP server", 30_000, pid, cmd.logFile);
  const restartedAt = Date.now();
  log(`  SMTP server away ${round1((restartedAt - stoppedAt) / 1000)}s; ${deferred} mail(s) waiting in the outbox when it came back`);
  const results = await loadEnd;
  const figures = await loadFigures(s, load.prefix, results);
  const problems = verdict(figures);
  const acked = results.filter((r) => r.status === 202).map((r) => r.email.toLowerCase());

  // Wait until every acknowledged signup's mail is in the mailbox (or the timeout), then once more a few
  // seconds to catch a second copy.
  const deadline = Date.now() + deliveryTimeout * 1000;
  let counts = mailboxCounts(s.smtp.mailbox, load.prefix);
  while (acked.some((e) => !counts.has(e)) && Date.now() < deadline) {
    await sleep(1000);
    counts = mailboxCounts(s.smtp.mailbox, load.prefix);
  }
  const allInAt = Date.now();
  await sleep(3000);
  counts = mailboxCounts(s.smtp.mailbox, load.prefix);
  const missing = acked.filter((e) => !counts.has(e)).length;
  const twice = acked.filter((e) => (counts.get(e) ?? 0) > 1).length;
  if (missing > 0) problems.push(`${missing} acknowledged signup(s) got no confirmation mail within ${deliveryTimeout}s of the SMTP server's return`);
  if (twice > 0) problems.push(`${twice} confirmation mail(s) were delivered more than once`);
  if (deferred === 0 && outage > 0) problems.push("no mail was deferred: the outage did not happen under load (raise --seconds or --rate)");
  return {
    drill: "smtp-down",
    via: load.via,
    rate: o.rate,
    seconds: o.seconds,
    outageSeconds: outage,
    smtp: { stoppedAtSecond: round1(stopMs / 1000), awaySeconds: round1((restartedAt - stoppedAt) / 1000) },
    ...figures,
    failureWindow: failureWindow(results, stopMs),
    mails: {
      deferredWhenSmtpReturned: deferred,
      delivered: acked.length - missing,
      missing,
      deliveredTwice: twice,
      /** Seconds from the SMTP server's return to the last acknowledged signup's mail in the mailbox. */
      drainedSeconds: missing === 0 ? round1((allInAt - restartedAt) / 1000) : null,
    },
    ok: problems.length === 0,
    problems,
  };
}
