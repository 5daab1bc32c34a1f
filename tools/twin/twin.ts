/**
 * `up`, `down` and `status` of the local twin. `up` evaluates the program (program.ts), reads what it
 * declared (topology.ts) and starts, in order: the CA, the PostgreSQL cluster (roles and grants by the
 * access model, migrations as the migrator), the SMTP server, the app instances, one HAProxy per load
 * balancer, and the edge when tools/twin/edge exists. Every process it starts is recorded in
 * `<state dir>/state.json` as soon as it runs, so `down` (or a failed `up`) stops exactly those.
 */
import { spawn, execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { addressPlan, cloudflareSourceAddresses, mapSubnets, readCloudflareRanges, type AddressPlan, type SubnetMapping } from "./addresses";
import { renderHaproxyConfig } from "./haproxy";
import { secretRequestHeaders, writeOriginAuth } from "./origin-auth";
import { issue, makeCa, type Ca } from "./pki";
import { dataDir, findPostgresBin, provisionDatabase, startCluster, stopCluster, verifiedUrl } from "./postgres";
import type { TwinProgram } from "./program";
import { bareId, type InstanceGroup } from "./topology";
import { UsageError } from "../cli/conventions";

export const REPO_ROOT = join(__dirname, "..", "..");
export const DEFAULT_STATE_DIR = join(tmpdir(), "renfort-twin");
export const APP_BUNDLE = join(REPO_ROOT, "app", "dist", "server.js");
export const EDGE_MAIN = join(__dirname, "edge", "main.ts");

export class TwinToolError extends Error {}

export interface UpOptions {
  stack: string;
  configFile?: string;
  instances?: number;
  baseAddress?: string;
  stateDir?: string;
  /** Added to declared ports below 1024 (default: 0 as root, 10000 otherwise). */
  portOffset?: number;
  summaryFile?: string;
  /**
   * Request header the edge takes the visitor's IP from (else the TCP peer): lets one load generator play many
   * visitors, e.g. `cf-connecting-ip` as npm run loadtest sends it. Real Cloudflare never trusts it.
   */
  clientIpHeader?: string;
  log?: (line: string) => void;
}

export interface Summary {
  stack: string;
  hosts: { main: string; apex: string };
  edge: { address: string; httpPort: number; httpsPort: number; caFile: string; countryHeader: string; cacheStatusHeader: string; clientIpHeader: string | null } | null;
  loadBalancers: Array<{ name: string; address: string; httpPort: number; httpsPort: number; declaredIps: string[] }>;
  instances: Array<{ group: string; address: string; port: number }>;
  database: { url: string };
  smtp: { host: string; port: number; mailbox: string };
  /** The twin's CA: trust it to verify the load balancers, the edge, the database and the SMTP server. */
  caFile: string;
  /** Source addresses standing for Cloudflare's egress (bind a client to one to pass the origin lock's IP half). */
  cloudflareSourceAddresses: string[];
  /**
   * File (mode 0600) with the origin lock's secret header(s) the edge sets, `[{ header, value }]`: what a
   * client straight to a load balancer must send besides a Cloudflare source address. The value is not in
   * the summary itself.
   */
  originAuthFile: string;
  stateDir: string;
  pids: number[];
}

interface State {
  /** Processes started by `up` (each the leader of its own process group), with their start time. */
  pids: Array<{ pid: number; what: string; startTime?: string }>;
  postgres?: { bin: string; dir: string };
  /** The stack file the program ran with. */
  stackFile?: string;
  summary?: Summary;
}

function statePath(dir: string): string {
  return join(dir, "state.json");
}

function readState(dir: string): State | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dir), "utf8")) as State;
  } catch {
    return undefined;
  }
}

function writeState(dir: string, s: State): void {
  writeFileSync(statePath(dir), `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined when gone. */
export function startTime(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Still the process `up` started: alive with the same start time (pids are reused, 32768 of them here). */
function ours(p: { pid: number; startTime?: string }): boolean {
  return alive(p.pid) && (p.startTime === undefined || startTime(p.pid) === p.startTime);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once something accepts TCP connections on address:port; rejects after `ms` or when `pid` died. */
export async function waitForPort(address: string, port: number, what: string, ms = 30_000, pid?: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port });
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    const tail = () => (logFile && existsSync(logFile) ? `\n${readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n")}` : "");
    if (pid !== undefined && !alive(pid)) throw new TwinToolError(`${what} exited before listening on ${address}:${port}${tail()}`);
    if (Date.now() > deadline) throw new TwinToolError(`${what} is not listening on ${address}:${port} after ${ms / 1000}s${tail()}`);
    await sleep(100);
  }
}

/** `http://address:port/path` answers `status` (the app's /readyz) within `ms`. */
async function waitForHttp(url: string, what: string, ms: number, pid: number, logFile: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch {
      // not yet
    }
    if (!alive(pid) || Date.now() > deadline) {
      const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
      throw new TwinToolError(`${what} did not answer ${url} with 2xx ${alive(pid) ? `within ${ms / 1000}s` : "(it exited)"}\n${tail}`);
    }
    await sleep(200);
  }
}

/** Starts a detached process (its own group, output to `logFile`) and records it before returning. */
function startProcess(state: State, stateDir: string, what: string, file: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): number {
  const out = openSync(logFile, "a");
  const child = spawn(file, args, { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  if (child.pid === undefined) throw new TwinToolError(`could not start ${what} (${file})`);
  child.unref();
  state.pids.push({ pid: child.pid, what, startTime: startTime(child.pid) });
  writeState(stateDir, state);
  return child.pid;
}

/** How the SMTP server is started (by `up`, and again by the smtp-down drill), from `<state dir>/smtp.json`. */
export function smtpCommand(stateDir: string): { file: string; args: string[]; env: NodeJS.ProcessEnv; logFile: string } {
  return { file: process.execPath, args: ["--import", "tsx", join(__dirname, "smtp-main.ts"), join(stateDir, "smtp.json")], env: { PATH: process.env.PATH ?? "" }, logFile: join(stateDir, "smtp.log") };
}

/**
 * Starts one more process in a running twin (a drill's restarted SMTP server, a release's instances) and
 * records it, so `down` stops it too. Returns its pid.
 */
export function startRecorded(stateDir: string, what: string, file: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): number {
  const state = readState(stateDir);
  if (!state) throw new TwinToolError(`no twin state in ${stateDir}`);
  const pid = startProcess(state, stateDir, what, file, args, env, logFile);
  if (state.summary) state.summary.pids.push(pid);
  writeState(stateDir, state);
  return pid;
}

/**
 * Stops a process `up` or `startRecorded` started (SIGTERM to its group, SIGKILL after `graceMs`) and
 * forgets it. Only that process: same pid and start time as recorded.
 */
export async function stopRecorded(stateDir: string, pid: number, graceMs = 10_000): Promise<void> {
  const state = readState(stateDir);
  const p = state?.pids.find((x) => x.pid === pid);
  if (!state || !p) throw new TwinToolError(`pid ${pid} is not a process of the twin in ${stateDir}`);
  if (ours(p)) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      // already gone
    }
    const deadline = Date.now() + graceMs;
    while (ours(p) && Date.now() < deadline) await sleep(50);
    if (ours(p)) process.kill(-pid, "SIGKILL");
    while (ours(p)) await sleep(20);
  }
  forgetRecorded(stateDir, [pid]);
}

/** Removes processes from the twin's records (after they were stopped) and their instances from the summary. */
export function forgetRecorded(stateDir: string, pids: number[], instanceAddresses: string[] = []): void {
  const state = readState(stateDir);
  if (!state) return;
  state.pids = state.pids.filter((p) => !pids.includes(p.pid));
  if (state.summary) {
    state.summary.pids = state.summary.pids.filter((p) => !pids.includes(p));
    state.summary.instances = state.summary.instances.filter((i) => !instanceAddresses.includes(i.address));
  }
  writeState(stateDir, state);
}

/** Adds instances to the twin's summary (a release's new group, once it serves). */
export function recordInstances(stateDir: string, instances: Summary["instances"]): void {
  const state = readState(stateDir);
  if (!state?.summary) return;
  state.summary.instances.push(...instances);
  writeState(stateDir, state);
}

/** The twin's PostgreSQL cluster (server binaries and directory), for the drills that restart it. */
export function postgresOf(stateDir: string): { bin: string; dir: string } | undefined {
  return readState(stateDir)?.postgres;
}

/** Replaces the host and port of a URL, keeping user, password, path and query. */
function withAddress(url: string, host: string, port: number): string {
  const u = new URL(url);
  u.hostname = host;
  u.port = String(port);
  return u.toString();
}

/**
 * The app's environment on the twin: the cloud-init's, with only addresses (and the paths of files the
 * cloud-init writes) changed, plus NODE_EXTRA_CA_CERTS, which stands in for the instance's system trust store.
 */
export function instanceEnv(
  group: InstanceGroup,
  o: { address: string; databaseAddress: string; databasePort: number; smtpAddress: string; smtpPort: number; ca: string; files: Record<string, string>; mapping: SubnetMapping },
): Record<string, string> {
  const env: Record<string, string> = { ...group.env };
  env.HOST = o.address;
  if (env.DATABASE_URL) {
    const u = new URL(withAddress(env.DATABASE_URL, o.databaseAddress, o.databasePort));
    if (u.searchParams.has("sslrootcert")) u.searchParams.set("sslrootcert", o.ca);
    env.DATABASE_URL = u.toString();
  }
  if (env.SMTP_URL) env.SMTP_URL = withAddress(env.SMTP_URL, o.smtpAddress, o.smtpPort);
  if (env.TRUSTED_PROXIES) env.TRUSTED_PROXIES = mapSubnets(env.TRUSTED_PROXIES.split(","), o.mapping).join(",");
  for (const [k, v] of Object.entries(env)) if (v in o.files) env[k] = o.files[v];
  env.NODE_EXTRA_CA_CERTS = o.ca;
  return env;
}

function portFor(declared: number, offset: number): number {
  return declared < 1024 ? declared + offset : declared;
}

export function defaultPortOffset(): number {
  return process.getuid?.() === 0 ? 0 : 10000;
}

/** Builds the app bundle when it is missing (app/dist is not committed). */
function ensureBundle(log: (l: string) => void): void {
  if (existsSync(APP_BUNDLE)) return;
  log("building the app bundle (npm run build -w app)...");
  execFileSync("npm", ["run", "build", "-w", "app"], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
}

export interface UpResult {
  alreadyRunning: boolean;
  summary: Summary;
}

export async function up(o: UpOptions): Promise<UpResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const stateDir = o.stateDir ?? DEFAULT_STATE_DIR;
  const existing = readState(stateDir);
  if (existing?.summary && existing.pids.some(ours)) {
    return { alreadyRunning: true, summary: existing.summary };
  }
  if (existing) await down({ stateDir, log: () => undefined });
  const plan = addressPlan(o.baseAddress);
  const offset = o.portOffset ?? defaultPortOffset();
  if (!existsSync("/usr/sbin/haproxy") && !whichSync("haproxy")) throw new TwinToolError("haproxy is not installed: apt-get install -y haproxy");
  const pgBin = findPostgresBin();
  if (!pgBin) throw new TwinToolError("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql: apt-get install -y postgresql");

  // Loaded here only: the program pulls in every provider SDK, which down and status do not need.
  const { evaluateTwinProgram } = await import("./program");
  const program = await evaluateTwinProgram({ stack: o.stack, configFile: o.configFile });
  // The database's connection budget (components/fleet/capacity.ts) covers each group at its maxReplicas, twice
  // during a release: more processes than that would be refused connections by the app role's limit mid-drill.
  const over = program.topology.groups.filter((g) => o.instances !== undefined && o.instances > g.maxReplicas);
  if (over.length > 0) {
    throw new UsageError(
      `--instances ${o.instances} is above what ${over.map((g) => `${g.name} (maxReplicas ${g.maxReplicas})`).join(", ")} may run, and the database's connection budget covers only that: lower --instances, or raise renfort:fleet.maxInstances (spread over the load balancers) in ${o.configFile ?? `Pulumi.${o.stack}.yaml`}`,
    );
  }
  ensureBundle(log);

  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  const state: State = { pids: [], stackFile: o.configFile ?? join(REPO_ROOT, `Pulumi.${o.stack}.yaml`) };
  writeState(stateDir, state);
  try {
    const summary = await start(program, { ...o, stateDir, log }, plan, offset, pgBin, state);
    state.summary = summary;
    writeState(stateDir, state);
    if (o.summaryFile) writeFileSync(o.summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
    return { alreadyRunning: false, summary };
  } catch (e) {
    await down({ stateDir, log: () => undefined }).catch(() => undefined);
    throw e;
  }
}

function whichSync(bin: string): boolean {
  try {
    execFileSync("which", [bin], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function start(program: TwinProgram, o: UpOptions & { stateDir: string; log: (l: string) => void }, plan: AddressPlan, offset: number, pgBin: string, state: State): Promise<Summary> {
  const { topology, config } = program;
  const { stateDir, log } = o;
  const pki = join(stateDir, "pki");
  mkdirSync(pki, { recursive: true });
  const ca: Ca = makeCa(pki);
  const group0 = topology.groups[0];
  const mapping: SubnetMapping = { plan, cloudflare: readCloudflareRanges(REPO_ROOT), privateSubnet: config.network.privateSubnet };

  // Database: the port the fleet is given.
  const dbUrl = new URL(group0.env.DATABASE_URL ?? "postgres://localhost:5432/");
  const dbPort = Number(dbUrl.port || 5432);
  const dbCert = issue(pki, ca, "database", [plan.database]);
  // Its own temporary directory, not under the state directory: as root the server runs as `postgres`,
  // which must traverse every parent, and a caller's state directory may be private (mkdtemp is 0700).
  const pgDir = mkdtempSync(join(tmpdir(), "renfort-twin-pg-"));
  state.postgres = { bin: pgBin, dir: pgDir };
  writeState(stateDir, state);
  await startCluster({ bin: pgBin, dir: pgDir, address: plan.database, port: dbPort, cert: dbCert.cert, key: dbCert.key, settings: topology.database.settings });
  const target = { address: plan.database, port: dbPort, ca: ca.cert };
  const postgresPid = Number(readFileSync(join(dataDir(pgDir), "postmaster.pid"), "utf8").split("\n")[0]);
  await provisionDatabase({ dir: pgDir, port: dbPort }, target, topology.database);
  const { names, passwords } = topology.database;
  // Migrations as the migrator, through the app's own migrate command (the release step's
  // --migrate-only is not on this branch; tools/release runs the same command).
  execFileSync(process.execPath, [APP_BUNDLE, "migrate"], {
    cwd: REPO_ROOT,
    env: { DATABASE_URL: verifiedUrl(target, names.roles.migrator.name, passwords.migrator, names.database), LOG_LEVEL: "warn", PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 120_000,
  });
  log(`database    postgresql ${pgBin.split("/").at(-2)} on ${plan.database}:${dbPort} (TLS, twin CA)   stands for Scaleway managed ${topology.database.engine ?? "PostgreSQL"}; roles ${Object.values(names.roles).map((r) => r.name).join(", ")}, migrated as ${names.roles.migrator.name}`);

  // SMTP: the port and credentials the fleet is given.
  const smtpUrl = new URL(group0.env.SMTP_URL ?? "smtp://localhost:587");
  const smtpPort = portFor(Number(smtpUrl.port || 587), offset);
  const mailbox = join(stateDir, "mailbox");
  mkdirSync(mailbox, { recursive: true });
  const smtpCert = issue(pki, ca, "smtp", [plan.smtp, smtpUrl.hostname]);
  const passwordFile = join(stateDir, "smtp-password");
  writeFileSync(passwordFile, decodeURIComponent(smtpUrl.password), { mode: 0o600 });
  const smtpOptions = join(stateDir, "smtp.json");
  writeFileSync(smtpOptions, JSON.stringify({ host: plan.smtp, port: smtpPort, user: decodeURIComponent(smtpUrl.username), passwordFile, cert: smtpCert.cert, key: smtpCert.key, mailbox }));
  const smtp = smtpCommand(stateDir);
  const smtpLog = smtp.logFile;
  const smtpPid = startProcess(state, stateDir, "smtp", smtp.file, smtp.args, smtp.env, smtpLog);
  await waitForPort(plan.smtp, smtpPort, "the SMTP server", 30_000, smtpPid, smtpLog);
  log(`smtp        smtp-server on ${plan.smtp}:${smtpPort} (STARTTLS required)   stands for ${smtpUrl.hostname}:${smtpUrl.port}; mailbox ${mailbox}`);

  // Fleet: each group's minimum (or --instances), each instance on its own address.
  const instances: Summary["instances"] = [];
  const servers: Record<string, Array<{ name: string; address: string }>> = {};
  let n = 0;
  for (const group of topology.groups) {
    const count = o.instances ?? group.minReplicas;
    for (let i = 0; i < count; i++, n++) {
      const address = plan.instance(n);
      const root = join(stateDir, "instances", `${n}`);
      const files: Record<string, string> = {};
      // The files the cloud-init writes, under the instance's own root (the app re-reads its env file on SIGHUP).
      for (const [path, content] of Object.entries(group.files)) {
        const local = join(root, path);
        mkdirSync(dirname(local), { recursive: true });
        writeFileSync(local, content, { mode: 0o600 });
        files[path] = local;
      }
      const env = instanceEnv(group, { address, databaseAddress: plan.database, databasePort: dbPort, smtpAddress: plan.smtp, smtpPort, ca: ca.cert, files, mapping });
      const logFile = join(stateDir, "instances", `${n}.log`);
      const pid = startProcess(state, stateDir, `instance ${n} (${group.name})`, process.execPath, [APP_BUNDLE], env, logFile);
      const port = Number(env.PORT ?? group.appPort);
      // ready, database included: what the load balancers' check asks (components/origin/health-check.ts)
      await waitForHttp(`http://${address}:${port}/readyz`, `app instance ${n}`, 60_000, pid, logFile);
      instances.push({ group: group.name, address, port });
      for (const id of group.backendIds) (servers[bareId(id)] ??= []).push({ name: `instance-${n}`, address });
    }
  }
  log(`fleet       ${instances.length} app process(es) from app/dist/server.js on ${instances.map((i) => `${i.address}:${i.port}`).join(", ")}   stands for the autoscaling group(s) ${topology.groups.map((g) => g.name).join(", ")}`);

  const empty = topology.loadBalancers.flatMap((lb) => lb.backends.filter((b) => !servers[bareId(b.id)]).map((b) => `${lb.name}/${b.name}`));
  if (empty.length > 0) log(`warning     no instance group registers its instances in backend(s) ${empty.join(", ")}: they serve nothing, as they would in Scaleway`);

  // Load balancers.
  const loadBalancers: Summary["loadBalancers"] = [];
  for (const [i, lb] of topology.loadBalancers.entries()) {
    const dir = join(stateDir, `lb-${i}`);
    mkdirSync(dir, { recursive: true });
    const certificateFiles: Record<string, string> = {};
    for (const f of lb.frontends) {
      for (const c of f.certificates) certificateFiles[c.name] ??= issue(pki, ca, `lb-${i}-${c.name}`, c.hostnames).bundle;
    }
    const address = plan.loadBalancer(i);
    const cfg = renderHaproxyConfig({
      lb,
      address,
      portOffset: offset,
      privateAddress: plan.loadBalancerPrivate(i),
      servers,
      certificateFiles,
      mapSubnets: (s) => mapSubnets(s, mapping),
      statsSocket: join(dir, "admin.sock"),
    });
    const cfgFile = join(dir, "haproxy.cfg");
    writeFileSync(cfgFile, cfg);
    try {
      execFileSync("haproxy", ["-c", "-q", "-f", cfgFile], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      throw new TwinToolError(`HAProxy refuses the configuration rendered for load balancer ${lb.name} (${cfgFile}): ${String((e as { stderr?: Buffer }).stderr ?? e)}`);
    }
    const logFile = join(dir, "haproxy.log");
    const pid = startProcess(state, stateDir, `haproxy ${lb.name}`, "haproxy", ["-db", "-f", cfgFile], { PATH: process.env.PATH ?? "" }, logFile);
    for (const f of lb.frontends) await waitForPort(address, f.inboundPort + offset, `HAProxy ${lb.name}`, 15_000, pid, logFile);
    const https = lb.frontends.find((f) => f.certificates.length > 0);
    const http = lb.frontends.find((f) => f.certificates.length === 0);
    loadBalancers.push({ name: lb.name, address, httpPort: (http?.inboundPort ?? 80) + offset, httpsPort: (https?.inboundPort ?? 443) + offset, declaredIps: lb.declaredIps });
    log(`lb ${i}        haproxy on ${address} (ports ${lb.frontends.map((f) => f.inboundPort + offset).join(", ")}; ${lb.frontends.reduce((s, f) => s + f.acls.length, 0)} ACLs)   stands for Scaleway load balancer ${lb.name} (${lb.declaredIps.join(", ")})`);
  }

  // The origin lock's header: the value the edge sets, for the edge stand-in and the checks.
  const originAuth = secretRequestHeaders(program.run.resources);
  const originAuthFile = join(stateDir, "origin-auth.json");
  writeOriginAuth(originAuthFile, originAuth);

  // Edge.
  let edge: Summary["edge"] = null;
  const sources = cloudflareSourceAddresses(mapping);
  if (existsSync(EDGE_MAIN)) {
    const edgeCert = issue(pki, ca, "edge", [config.domain.mainHost, config.domain.zone, plan.edge]);
    const httpsPort = portFor(443, offset);
    const httpPort = portFor(80, offset);
    const options = {
      resources: program.run.resources,
      listen: { address: plan.edge, httpPort, httpsPort },
      tls: { cert: readFileSync(edgeCert.cert, "utf8"), key: readFileSync(edgeCert.key, "utf8") },
      upstreams: topology.loadBalancers.flatMap((lb, i) => lb.declaredIps.map((declaredIp) => ({ declaredIp, address: loadBalancers[i].address, httpsPort: loadBalancers[i].httpsPort }))),
      upstreamCa: readFileSync(ca.cert, "utf8"),
      sourceAddresses: sources,
      // The recorded rule holds the value too; passed explicitly so the edge never depends on how a plan recorded it.
      secrets: Object.fromEntries(originAuth.map((h) => [h.header, h.value])),
      ...(o.clientIpHeader ? { clientIpHeader: o.clientIpHeader } : {}),
    };
    const optionsFile = join(stateDir, "edge.json");
    // Checks the options field by field and writes them owner-only (they hold the edge's TLS key).
    const { writeEdgeOptions } = await import("./edge/index");
    writeEdgeOptions(optionsFile, options);
    const logFile = join(stateDir, "edge.log");
    const pid = startProcess(state, stateDir, "edge", process.execPath, ["--import", "tsx", EDGE_MAIN, optionsFile], { PATH: process.env.PATH ?? "" }, logFile);
    await waitForPort(plan.edge, httpsPort, "the edge", 30_000, pid, logFile);
    // The edge prints one JSON line when it listens: its ports and headers (tools/twin/edge/main.ts).
    const ready = JSON.parse(readFileSync(logFile, "utf8").split("\n").find((l) => l.startsWith('{"ready"')) ?? "{}") as { countryHeader?: string; cacheStatusHeader?: string };
    edge = {
      address: plan.edge,
      httpPort,
      httpsPort,
      caFile: ca.cert,
      countryHeader: ready.countryHeader ?? "x-twin-country",
      cacheStatusHeader: ready.cacheStatusHeader ?? "cf-cache-status",
      clientIpHeader: o.clientIpHeader ?? null,
    };
    log(`edge        tools/twin/edge on ${plan.edge} (ports ${httpsPort}, ${httpPort}), forwarding from ${sources[0]}-${sources.at(-1)}   stands for Cloudflare (zone ${config.domain.zone}; country header ${edge.countryHeader})`);
  } else {
    log("edge        not started: tools/twin/edge is not on this branch yet (the Cloudflare stand-in); reach the load balancers directly");
  }

  return {
    stack: program.run.stack,
    hosts: { main: config.domain.mainHost, apex: config.domain.apex },
    edge,
    loadBalancers,
    instances: instances,
    database: { url: instanceDatabaseUrl(topology.groups[0], plan.database, dbPort, ca.cert) },
    smtp: { host: plan.smtp, port: smtpPort, mailbox },
    caFile: ca.cert,
    cloudflareSourceAddresses: sources,
    originAuthFile,
    stateDir,
    pids: [postgresPid, ...state.pids.map((p) => p.pid)],
  };
}

function instanceDatabaseUrl(group: InstanceGroup, address: string, port: number, ca: string): string {
  const u = new URL(withAddress(group.env.DATABASE_URL ?? "postgres://localhost/", address, port));
  if (u.searchParams.has("sslrootcert")) u.searchParams.set("sslrootcert", ca);
  return u.toString();
}

/** Stops everything `up` recorded and removes the state directory. Returns what it stopped. */
export async function down(o: { stateDir?: string; log?: (l: string) => void } = {}): Promise<string[]> {
  const stateDir = o.stateDir ?? DEFAULT_STATE_DIR;
  const log = o.log ?? ((l: string) => console.log(l));
  const state = readState(stateDir);
  const stopped: string[] = [];
  if (state) {
    for (const p of [...state.pids].reverse()) {
      if (!ours(p)) continue;
      try {
        process.kill(-p.pid, "SIGTERM");
      } catch {
        try {
          process.kill(p.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      stopped.push(p.what);
    }
    const deadline = Date.now() + 10_000;
    while (state.pids.some(ours) && Date.now() < deadline) await sleep(100);
    for (const p of state.pids) {
      if (!ours(p)) continue;
      try {
        process.kill(-p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (state.postgres && existsSync(state.postgres.dir)) {
      const pidFile = join(dataDir(state.postgres.dir), "postmaster.pid");
      const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : NaN;
      await stopCluster(state.postgres.bin, state.postgres.dir, "fast").catch(() => stopCluster(state.postgres!.bin, state.postgres!.dir, "immediate").catch(() => undefined));
      // pg_ctl -w returns once the postmaster removed its pid file, a moment before the process itself exits.
      const gone = () => {
        try {
          process.kill(postmaster, 0);
          return false;
        } catch {
          return true;
        }
      };
      const until = Date.now() + 10_000;
      while (Number.isInteger(postmaster) && !gone() && Date.now() < until) await sleep(50);
      stopped.push("postgresql");
    }
    if (state.postgres) rmSync(state.postgres.dir, { recursive: true, force: true });
  }
  if (existsSync(stateDir)) rmSync(stateDir, { recursive: true, force: true });
  log(stopped.length > 0 ? `twin stopped: ${stopped.join(", ")}` : "no twin running");
  return stopped;
}

export function status(o: { stateDir?: string } = {}): { running: boolean; summary?: Summary; stackFile?: string; processes: Array<{ pid: number; what: string; alive: boolean }> } {
  const state = readState(o.stateDir ?? DEFAULT_STATE_DIR);
  if (!state) return { running: false, processes: [] };
  const processes = state.pids.map((p) => ({ pid: p.pid, what: p.what, alive: ours(p) }));
  return { running: processes.some((p) => p.alive), summary: state.summary, stackFile: state.stackFile, processes };
}
