/**
 * The edge as a child process (main.ts): started from a JSON options file, serving, and gone after
 * SIGTERM with exit code 0; bad files are refused with a message that says the fix. Loopback 127.0.40.0/24.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { writeEdgeOptions, type EdgeOptions } from "./index";
import { makePki, request, stagingResources, startUpstream, type Pki, type Upstream } from "./test-support";
import { scratchDir } from "../../../testing/scratch";

const ROOT = join(__dirname, "..", "..", "..");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const MAIN = join(__dirname, "main.ts");
const HOST = "www.renfort-staging.fr";

let pki: Pki;
let dir: string;
let upstreams: Upstream[];
let options: EdgeOptions;

beforeAll(async () => {
  pki = makePki();
  dir = scratchDir("renfort-edge-main-");
  const resources = await stagingResources();
  const tls = pki.leaf([HOST]);
  upstreams = [await startUpstream("lb-primary", "127.0.40.111", tls), await startUpstream("lb-secondary", "127.0.40.112", tls)];
  const originIps = resources.filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord" && r.inputs.proxied === true).map((r) => String(r.inputs.content));
  options = {
    resources,
    listen: { address: "127.0.40.101", httpPort: 0, httpsPort: 0 },
    tls,
    upstreams: originIps.map((ip, i) => ({ declaredIp: ip, address: upstreams[i].address, httpsPort: upstreams[i].port })),
    upstreamCa: pki.ca,
    sourceAddresses: ["127.0.40.121"],
  };
});

afterAll(async () => {
  await Promise.all((upstreams ?? []).map((u) => u.close()));
  pki?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function writeOptions(name: string, value: unknown, mode = 0o600): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  chmodSync(file, mode);
  return file;
}

function run(args: string[]) {
  return spawnSync(process.execPath, [TSX, MAIN, ...args], { encoding: "utf8", timeout: 30_000 });
}

/** The first stdout line of `child`, within 30 s. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`no ready line within 30 s; stderr: ${err}`)), 30_000);
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ready; stderr: ${err}`));
    });
  });
}

const portOpen = (address: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: address, port });
    s.on("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });

test("runs from a JSON options file, serves, and exits 0 on SIGTERM with its ports closed", async () => {
  const file = join(dir, "edge.json");
  writeEdgeOptions(file, { ...options, log: () => undefined });
  const readyFile = join(dir, "edge.ready.json");
  const child = spawn(process.execPath, [TSX, MAIN, file, "--ready-file", readyFile], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const ready = JSON.parse(await firstLine(child)) as { ready: boolean; pid: number; address: string; httpPort: number; httpsPort: number };
    expect(ready).toMatchObject({ ready: true, address: "127.0.40.101", countryHeader: "x-twin-country", cacheStatusHeader: "cf-cache-status" });
    expect(JSON.parse(readFileSync(readyFile, "utf8"))).toEqual(ready);
    const r = await request({ scheme: "https", address: ready.address, port: ready.httpsPort, host: HOST, path: "/page-main", ca: pki.ca, from: "127.0.40.131" });
    expect(r.status).toBe(200);
    expect(upstreams.flatMap((u) => u.seen).find((s) => s.url === "/page-main")?.remoteAddress).toBe("127.0.40.121");

    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve("still running after 10 s"), 10_000))]);
    expect(code).toBe(0);
    expect(await portOpen(ready.address, ready.httpsPort)).toBe(false);
    expect(await portOpen(ready.address, ready.httpPort)).toBe(false);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});

test("refuses an options file others can read: it holds the TLS key", () => {
  const file = writeOptions("open.json", options, 0o644);
  const r = run([file]);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(`chmod 600 ${file}`);
  expect(r.stderr).not.toContain("PRIVATE KEY");
});

test("bad options are refused with every bad field named", () => {
  const file = writeOptions("bad.json", { ...options, listen: { address: "localhost", httpPort: 80.5, httpsPort: 0 }, sourceAddresses: [] });
  const r = run([file]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("listen.address: must be an IP address");
  expect(r.stderr).toContain("listen.httpPort");
  expect(r.stderr).toContain("sourceAddresses: must hold at least one local address");
});

test("usage errors exit 2", () => {
  expect(run([]).status).toBe(2);
  expect(existsSync(join(dir, "missing.json"))).toBe(false);
  const r = run([join(dir, "missing.json")]);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("cannot read the options file");
});
