/**
 * `drill release`: issue 15's release proof on the twin, rolled the way the fleet rolls one
 * (components/fleet/release.ts, health-gate.ts): a new group of app processes per instance group, with
 * the new release's environment, registered in every load balancer backend its group registers in
 * (HAProxy's runtime API: `add server`, `enable health`, `enable server`); the fleet's own gate decision
 * (`targetVerdict`) waits until at least the group's minimum of the new instances are healthy in every
 * backend; then the old instances are drained (`set server ... state drain` until no session is left),
 * removed (`del server`) and stopped. If the gate times out, the new instances are removed and stopped,
 * the old ones keep serving and the drill fails. All under a steady signup load.
 * HAProxy runtime API, 2.6: https://docs.haproxy.org/2.6/management.html#9.3 (`add server`: a dynamic
 * server starts in maintenance with its checks disabled; `default-server` lines do not apply to it, so
 * the backend's declared check settings are passed with it; `del server` needs it in maintenance with no
 * session left): verified against HAProxy 2.6.12 here by this drill's test.
 *
 * On the twin a release is "what the instances run": the app bundle (`--bundle`, default app/dist/server.js)
 * and the environment, which is the running release's (read from a running instance) with `--set KEY=VALUE`
 * changes. The new group is named from a hash of both, as the fleet names its groups from the release id.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { targetVerdict, describeVerdicts, type BackendServerStat, type TargetVerdict } from "../../components/fleet/health-gate";
import { failureWindow, loadFigures, startSignupLoad, type LoadFigures } from "./load";
import { APP_BUNDLE, forgetRecorded, recordInstances, startRecorded, stopRecorded, type Summary } from "./twin";

/** One command over an HAProxy admin socket; resolves with its answer. */
export function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let out = "";
    c.setEncoding("utf8");
    c.on("data", (d: string) => (out += d));
    c.on("end", () => resolve(out));
    c.on("error", reject);
    c.setTimeout(10_000, () => c.destroy(new Error(`HAProxy's admin socket ${socket} did not answer ${command.split(" ")[0]}`)));
    c.end(`${command}\n`);
  });
}

/** Fails unless HAProxy's answer to a state-changing command is empty or a known success message. */
async function haproxyDo(socket: string, command: string): Promise<void> {
  const answer = (await haproxyCommand(socket, command)).trim();
  if (answer !== "" && !/^New server registered\.|^Server deleted\./.test(answer)) throw new Error(`HAProxy refused "${command}": ${answer}`);
}

export interface ServerStat {
  backend: string;
  server: string;
  address: string;
  /** UP, DOWN, MAINT, DRAIN, "UP 1/2" (going down), "DOWN 1/2" (coming up)... */
  status: string;
  /** Result of the last health check: L7OK, L4OK, L6OK when it passed; L4CON, L7STS... when not; "" before the first. */
  checkStatus: string;
  sessions: number;
}

/** The servers of every backend, from `show stat` (CSV, header line starting `# `). */
export function parseShowStat(csv: string): ServerStat[] {
  const lines = csv.split("\n").filter((l) => l.trim() !== "");
  const header = lines[0]?.replace(/^# /, "").split(",") ?? [];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`HAProxy's show stat has no ${name} column`);
    return i;
  };
  const [px, sv, st, addr, scur, chk] = [col("pxname"), col("svname"), col("status"), col("addr"), col("scur"), col("check_status")];
  return lines
    .slice(1)
    .map((l) => l.split(","))
    .filter((f) => f[sv] !== "FRONTEND" && f[sv] !== "BACKEND")
    .map((f) => ({ backend: f[px], server: f[sv], address: f[addr].replace(/:\d+$/, ""), status: f[st], checkStatus: f[chk].replace(/^\* /, ""), sessions: Number(f[scur] || 0) }));
}

/**
 * HAProxy's view of a server in the Scaleway API's terms, so the fleet's gate decides on it: `running`
 * unless in maintenance; its last health check `passed` only when a check really passed (L4OK, L6OK, L7OK;
 * https://docs.haproxy.org/2.6/management.html#9.1 `check_status`) and HAProxy counts it UP (its rise
 * reached: a server coming up shows "DOWN 1/2"). A server HAProxy merely assumes up, before any check,
 * does not count.
 */
export function asBackendStat(s: ServerStat): BackendServerStat {
  const up = s.status === "UP" || s.status === "DRAIN";
  const passed = up && /^L[467]OK$/.test(s.checkStatus);
  return { ip: s.address, server_state: s.status === "MAINT" ? "stopped" : "running", last_health_check_status: passed ? "passed" : s.checkStatus === "" || s.checkStatus === "INI" ? "unknown" : "failed" };
}

/** `default-server` settings of each backend of a rendered haproxy.cfg (the declared health check). */
export function backendDefaults(cfg: string): Record<string, string> {
  const out: Record<string, string> = {};
  let backend: string | undefined;
  for (const line of cfg.split("\n")) {
    const b = /^backend\s+(\S+)/.exec(line);
    if (b) backend = b[1];
    else if (/^\S/.test(line)) backend = undefined;
    const d = /^\s+default-server\s+(.*)$/.exec(line);
    if (d && backend) out[backend] = d[1].trim();
  }
  return out;
}

/** A group's name without its release id (`<fleet>-app-<key>-<10 hex>` → `<fleet>-app-<key>`). */
export function groupStem(name: string): string {
  return name.replace(/-[0-9a-f]{10}$/, "");
}

export function parseSets(sets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0 || !/^[A-Z_][A-Z0-9_]*$/.test(s.slice(0, eq))) throw new Error(`--set takes KEY=VALUE with an environment variable name, got ${JSON.stringify(s.split("=")[0])}`);
    out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

/** The environment of a running process (this twin's, same user), from /proc. */
function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
    const eq = kv.indexOf("=");
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/** Release id on the twin: 10 hex digits of SHA-256 over the bundle and the environment (sorted keys). */
export function twinReleaseId(bundle: Buffer, env: Record<string, string>): string {
  const h = createHash("sha256").update(bundle);
  for (const k of Object.keys(env).sort()) h.update(`\0${k}=${env[k]}`);
  return h.digest("hex").slice(0, 10);
}

export interface ReleaseOptions {
  summary: Summary;
  processes: Array<{ pid: number; what: string; alive: boolean }>;
  /** The capacity model's minimum per group (the program's declared groups), by group name. */
  minimumByGroup: Record<string, number>;
  rate: number;
  /** Seconds of load before the rollout starts and after it ends. */
  settleSeconds: number;
  gateTimeoutSeconds: number;
  /** Environment changes of the new release. */
  set: Record<string, string>;
  bundle?: string;
  /** Seconds to wait for an old server's sessions to end once drained. */
  drainTimeoutSeconds?: number;
  log?: (line: string) => void;
}

export interface ReleaseReport extends LoadFigures {
  drill: "release";
  via: string;
  rate: number;
  seconds: number;
  from: string[];
  to: string[];
  changed: string[];
  gate: { ok: boolean; seconds: number; verdicts: TargetVerdict[] };
  /** Seconds since the load started when each phase began. */
  timeline: Record<string, number>;
  /** First and last failed request, seconds since the load started (null when none failed). */
  failureWindow: { from: number; to: number } | null;
  /** What serves at the end: the new instances when the gate passed, else the old ones. */
  serving: string[];
  ok: boolean;
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;

export async function releaseDrill(o: ReleaseOptions): Promise<ReleaseReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const s = o.summary;
  const bundlePath = o.bundle ?? APP_BUNDLE;
  if (!existsSync(bundlePath)) throw new Error(`--bundle ${bundlePath} does not exist: build it with npm run build -w app`);
  const sockets = s.loadBalancers.map((_, i) => join(s.stateDir, `lb-${i}`, "admin.sock"));
  const defaults = s.loadBalancers.map((_, i) => backendDefaults(readFileSync(join(s.stateDir, `lb-${i}`, "haproxy.cfg"), "utf8")));

  // The running release: its instances, their group, address, port and environment.
  const old = o.processes
    .filter((p) => p.what.startsWith("instance ") && p.alive)
    .map((p) => {
      const env = environOf(p.pid);
      const group = /\((.*)\)$/.exec(p.what)?.[1] ?? "";
      return { pid: p.pid, what: p.what, group, env, address: env.HOST, port: Number(env.PORT) };
    });
  if (old.length === 0) throw new Error("the twin runs no app instance: run npm run twin -- down, then up again");
  const stats0 = (await Promise.all(sockets.map((k) => haproxyCommand(k, "show stat")))).map(parseShowStat);
  const groups = [...new Set(old.map((i) => i.group))];
  const used = new Set(stats0.flat().map((x) => x.address));
  for (const i of s.instances) used.add(i.address);
  const prefix = old[0].address.replace(/\d+$/, "");
  const freeAddresses = Array.from({ length: 120 }, (_, k) => `${prefix}${128 + k}`).filter((a) => !used.has(a));

  const bundle = readFileSync(bundlePath);
  const plan = groups.map((group) => {
    const members = old.filter((i) => i.group === group);
    const env = { ...members[0].env, ...o.set };
    const id = twinReleaseId(bundle, { ...env, HOST: "" });
    const name = `${groupStem(group)}-${id}`;
    // Every backend (of every load balancer) where this group's instances are registered.
    const backends = stats0.flatMap((servers, lb) => [...new Set(servers.filter((x) => members.some((m) => m.address === x.address)).map((x) => x.backend))].map((backend) => ({ lb, backend })));
    const instances = members.map(() => ({ address: freeAddresses.shift()!, port: members[0].port, pid: 0, server: "" }));
    const minimum = Math.min(o.minimumByGroup[groupStem(group)] ?? members.length, instances.length);
    return { group, name, env, members, backends, instances, minimum };
  });
  if (plan.some((g) => g.instances.some((i) => i.address === undefined))) throw new Error("no free instance address left in the twin's /24");
  const changed = Object.keys(o.set).filter((k) => old[0].env[k] !== o.set[k]);
  if (changed.length === 0 && bundlePath === APP_BUNDLE) log("note: --set changes nothing and the bundle is the same: the release rolls the same build and environment");

  const load = startSignupLoad(s, o.rate, "release");
  log(`drill release: ${o.rate} signups/s through the ${load.via}; ${plan.map((g) => `${g.group} -> ${g.name} (${g.instances.length} instance(s), gate: ${g.minimum} healthy in ${g.backends.length} backend(s))`).join("; ")}`);
  await sleep(o.settleSeconds * 1000);
  const timeline: Record<string, number> = {};
  const mark = (phase: string) => (timeline[phase] = round1((Date.now() - load.t0) / 1000));
  mark("newInstancesStarted");
  const problems: string[] = [];
  const started: number[] = [];
  let gate: ReleaseReport["gate"] = { ok: false, seconds: 0, verdicts: [] };
  try {
    // 1. The new group: processes with the new release's environment on their own addresses.
    for (const g of plan) {
      for (const [k, inst] of g.instances.entries()) {
        const dir = join(s.stateDir, "instances", g.name);
        mkdirSync(dir, { recursive: true });
        inst.pid = startRecorded(s.stateDir, `instance ${g.name}-${k} (${g.name})`, process.execPath, [bundlePath], { ...g.env, HOST: inst.address }, join(dir, `${k}.log`));
        started.push(inst.pid);
        inst.server = `${g.name}-${k}`;
      }
    }
    // 2. Registered in every backend of the group, with the backend's declared check settings.
    for (const g of plan) {
      for (const { lb, backend } of g.backends) {
        for (const inst of g.instances) {
          await haproxyDo(sockets[lb], `add server ${backend}/${inst.server} ${inst.address}:${inst.port} check ${defaults[lb][backend] ?? ""}`.trim());
          await haproxyDo(sockets[lb], `enable health ${backend}/${inst.server}`);
          // HAProxy takes a server leaving maintenance as up before its first check (seen here: "UP 1/3"),
          // and ignores `health down` while in maintenance; a new Scaleway backend server gets traffic only
          // once its checks pass (assumed). So: weight 0 (no traffic), out of maintenance, marked down,
          // weight back; then `rise` passed checks bring it up.
          await haproxyDo(sockets[lb], `set weight ${backend}/${inst.server} 0`);
          await haproxyDo(sockets[lb], `enable server ${backend}/${inst.server}`);
          await haproxyDo(sockets[lb], `set server ${backend}/${inst.server} health down`);
          await haproxyDo(sockets[lb], `set weight ${backend}/${inst.server} 100%`);
        }
      }
    }
    mark("registered");
    // 3. The gate: the fleet's decision function on HAProxy's view, polled until it passes or times out.
    const gateStart = Date.now();
    for (;;) {
      const stats = (await Promise.all(sockets.map((k) => haproxyCommand(k, "show stat")))).map(parseShowStat);
      const verdicts = plan.flatMap((g) =>
        g.backends.map(({ lb, backend }) =>
          targetVerdict(
            { key: `${s.loadBalancers[lb].name}/${backend}`, minHealthy: g.minimum },
            g.instances.map((i) => i.address),
            stats[lb].filter((x) => x.backend === backend).map(asBackendStat),
          ),
        ),
      );
      gate = { ok: verdicts.every((v) => v.ok), seconds: round1((Date.now() - gateStart) / 1000), verdicts };
      if (gate.ok || Date.now() - gateStart > o.gateTimeoutSeconds * 1000) break;
      await sleep(500);
    }
    mark("gateDecided");
    log(`  gate ${gate.ok ? "passed" : "FAILED"} after ${gate.seconds}s: ${describeVerdicts(gate.verdicts)}`);
  } catch (e) {
    problems.push(`the rollout failed: ${(e as Error).message}`);
  }

  // 4. Whichever side loses: drained, removed from every backend, stopped.
  const retire = async (servers: Array<{ lb: number; backend: string; server: string }>, pids: number[], addresses: string[]) => {
    mark("drainStarted");
    for (const x of servers) await haproxyDo(sockets[x.lb], `set server ${x.backend}/${x.server} state drain`);
    const deadline = Date.now() + (o.drainTimeoutSeconds ?? 30) * 1000;
    for (;;) {
      const stats = (await Promise.all(sockets.map((k) => haproxyCommand(k, "show stat")))).map(parseShowStat);
      const busy = servers.filter((x) => (stats[x.lb].find((y) => y.backend === x.backend && y.server === x.server)?.sessions ?? 0) > 0);
      if (busy.length === 0 || Date.now() > deadline) break;
      await sleep(200);
    }
    for (const x of servers) {
      await haproxyDo(sockets[x.lb], `set server ${x.backend}/${x.server} state maint`);
      await haproxyDo(sockets[x.lb], `shutdown sessions server ${x.backend}/${x.server}`);
      await haproxyDo(sockets[x.lb], `del server ${x.backend}/${x.server}`);
    }
    mark("removed");
    // SIGTERM, together: each app keeps serving with /readyz 503 for its drain (SHUTDOWN_DRAIN_MS, 16 s by
    // default) before it closes; given docker's 30 s (components/fleet/cloud-init.ts) before SIGKILL.
    await Promise.all(pids.map((pid) => stopRecorded(s.stateDir, pid, 30_000)));
    forgetRecorded(s.stateDir, [], addresses);
    mark("stopped");
  };
  const newServers = plan.flatMap((g) => g.backends.flatMap(({ lb, backend }) => g.instances.filter((i) => i.server).map((i) => ({ lb, backend, server: i.server }))));
  let serving: string[];
  if (gate.ok && problems.length === 0) {
    const oldServers = stats0.flatMap((servers, lb) => servers.filter((x) => old.some((m) => m.address === x.address)).map((x) => ({ lb, backend: x.backend, server: x.server })));
    recordInstances(
      s.stateDir,
      plan.flatMap((g) => g.instances.map((i) => ({ group: g.name, address: i.address, port: i.port }))),
    );
    await retire(
      oldServers,
      old.map((i) => i.pid),
      old.map((i) => i.address),
    ).catch((e: Error) => problems.push(`removing the old release failed: ${e.message}`));
    serving = plan.map((g) => g.name);
  } else {
    if (!gate.ok) problems.push(`the new release never got healthy within ${o.gateTimeoutSeconds}s (${describeVerdicts(gate.verdicts)}): it was removed, the old instances keep serving`);
    await retire(
      newServers.filter((x) => started.length > 0 && x.server),
      started,
      [],
    ).catch((e: Error) => problems.push(`removing the new release failed: ${e.message}`));
    serving = groups;
  }
  await sleep(o.settleSeconds * 1000);
  const results = await load.stop();
  const figures = await loadFigures(s, load.prefix, results);
  const failedCount = figures.sent - figures.acknowledged;
  if (failedCount > 0) problems.push(`${failedCount} request(s) failed during the rollout: ${JSON.stringify(figures.failed)}`);
  if (figures.lostAcknowledged > 0) problems.push(`${figures.lostAcknowledged} acknowledged signup(s) are not in the database`);
  if (figures.duplicated > 0) problems.push(`${figures.duplicated} acknowledged signup(s) are stored more than once`);
  return {
    drill: "release",
    via: load.via,
    rate: o.rate,
    seconds: round1((Date.now() - load.t0) / 1000),
    from: groups,
    to: plan.map((g) => g.name),
    changed,
    ...figures,
    gate,
    timeline,
    failureWindow: failureWindow(results, 0),
    serving,
    ok: problems.length === 0,
    problems,
  };
}
