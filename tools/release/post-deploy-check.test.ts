/**
 * The post-deploy check against real local servers: an HTTPS server with a certificate from a CA made
 * here (openssl CLI) plays the load balancer for the main host and the apex, and a plain HTTP server
 * plays Scaleway's Load Balancer API (`GET /lb/v1/zones/{zone}/lbs/{id}/backend-stats`, paged, with the
 * response shape of scaleway-sdk-go's ListBackendStatsResponse). The check runs through the release
 * CLI's `--check`, aimed at them with --connect-to, --ca-file and --scw-api-url.
 */
import { execFileSync } from "child_process";
import { readFileSync, rmSync, writeFileSync } from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import { join } from "path";
import { loadStackConfig } from "../../stacks/load";
import { buildPlatform } from "../../stacks/platform";
import { groupCapacity } from "../../components/fleet/release";
import { committedStack, evaluateStack } from "../plan/testing";
import { fromStackOutputs, healthyByBackend, REDIRECT_PROBE } from "./post-deploy-check";
import { main } from "./release";
import { scratchDir } from "../../testing/scratch";

const MAIN = "www.renfort.test";
const APEX = "renfort.test";
const LB1 = "fr-par-1/11111111-1111-4111-8111-111111111111";
const LB2 = "fr-par-2/22222222-2222-4222-8222-222222222222";
const KEY = "scw-secret-key-0123456789abcdef";

const dir = scratchDir("renfort-check-");
const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Renfort twin CA"]);
openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "lb.key", "-out", "lb.csr", "-subj", `/CN=${MAIN}`]);
writeFileSync(join(dir, "lb.ext"), `subjectAltName = DNS:${MAIN}, DNS:${APEX}\n`);
openssl(["x509", "-req", "-in", "lb.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "lb.crt", "-days", "2", "-extfile", "lb.ext"]);
openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem", "-days", "2", "-subj", "/CN=Other CA"]);

/** What the fake load balancer and API answer; each test sets what it breaks. */
const behaviour = {
  healthz: 200,
  readyz: 403,
  redirectStatus: 301,
  location: (url: string) => `https://${MAIN}${url}`,
  servers: {} as Record<string, Array<{ backend_id: string; ip: string; server_state: string; last_health_check_status: string }>>,
  apiCalls: [] as string[],
};
const healthy = (backend: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ backend_id: backend, ip: `172.16.0.${10 + i}`, server_state: "running", last_health_check_status: "passed" }));

let lb: https.Server;
let api: http.Server;
let lbAddress: string;
let apiUrl: string;

beforeAll(async () => {
  lb = https.createServer({ key: readFileSync(join(dir, "lb.key")), cert: readFileSync(join(dir, "lb.crt")) }, (req, res) => {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    if (host === APEX) {
      res.writeHead(behaviour.redirectStatus, { location: behaviour.location(req.url ?? "/") }).end();
    } else if (host === MAIN && req.url === "/healthz") {
      res.writeHead(behaviour.healthz, { "content-type": "application/json" }).end(JSON.stringify({ ok: behaviour.healthz === 200 }));
    } else if (host === MAIN && req.url === "/readyz") {
      res.writeHead(behaviour.readyz, { "content-type": "application/json" }).end(JSON.stringify({ ok: behaviour.readyz === 200 }));
    } else {
      res.writeHead(404).end();
    }
  });
  api = http.createServer((req, res) => {
    behaviour.apiCalls.push(req.url ?? "");
    if (req.headers["x-auth-token"] !== KEY) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ message: "authentication is denied", type: "denied_authentication" }));
      return;
    }
    const m = /^\/lb\/v1\/zones\/([a-z0-9-]+)\/lbs\/([0-9a-f-]+)\/backend-stats\?page=(\d+)&page_size=(\d+)$/.exec(req.url ?? "");
    const rows = m ? behaviour.servers[`${m[1]}/${m[2]}`] : undefined;
    if (!m || !rows) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "resource is not found", type: "not_found" }));
      return;
    }
    // two per page whatever the page_size asked, so the paging is exercised
    const page = Number(m[3]);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ backend_servers_stats: rows.slice((page - 1) * 2, page * 2), total_count: rows.length }));
  });
  await new Promise<void>((r) => lb.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
  lbAddress = `127.0.0.1:${(lb.address() as AddressInfo).port}`;
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => lb.close(r));
  await new Promise((r) => api.close(r));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  behaviour.healthz = 200;
  behaviour.readyz = 403;
  behaviour.redirectStatus = 301;
  behaviour.location = (url) => `https://${MAIN}${url}`;
  behaviour.servers = { [LB1]: [...healthy("backend-a", 3)], [LB2]: [...healthy("backend-b", 3)] };
  behaviour.apiCalls = [];
});

async function check(extra: string[] = [], env: NodeJS.ProcessEnv = { SCW_SECRET_KEY: KEY }) {
  const log: string[] = [];
  const args = [
    "--stack", "staging", "--check", "--main-host", MAIN, "--apex-host", APEX,
    "--connect-to", `${MAIN}=${lbAddress}`, "--connect-to", `${APEX}=${lbAddress}`,
    "--ca-file", join(dir, "ca.pem"), "--scw-api-url", apiUrl, "--lb", LB1, "--lb", LB2, "--min-healthy", "3",
    ...extra,
  ];
  const code = await main(args, env, (s) => log.push(s), dir);
  return { code, log: log.join("\n") };
}

describe("post-deploy check", () => {
  it("passes when every backend has the minimum healthy, /healthz is 200, /readyz is refused and the apex redirect is exact", async () => {
    const r = await check();
    expect(r).toEqual({ code: 0, log: expect.stringContaining("release: post-deploy check passed") });
    expect(r.log).toContain(`check ok   GET https://${APEX}${REDIRECT_PROBE}: 301 https://${MAIN}${REDIRECT_PROBE}`);
    expect(r.log).toContain("backend backend-a: 3 of 3 servers healthy, at least 3 needed");
    // paged: 3 rows at 2 per page is 2 pages per load balancer
    expect(behaviour.apiCalls.filter((u) => u.includes("11111111-1111"))).toHaveLength(2);
  });

  it("fails when a backend has fewer healthy servers than the minimum, naming the backend and the servers", async () => {
    behaviour.servers[LB2] = [...healthy("backend-b", 2), { backend_id: "backend-b", ip: "172.16.0.99", server_state: "running", last_health_check_status: "failed" }];
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.log).toContain(`check FAIL backends of load balancer ${LB2}, backend backend-b: 2 of 3 servers healthy, at least 3 needed; not healthy: 172.16.0.99 (running, health check failed)`);
    expect(r.log).toContain("post-deploy check FAILED (1 of 5)");
  });

  it("fails when a load balancer lists no backend server at all", async () => {
    behaviour.servers[LB1] = [];
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.log).toContain("the API lists no backend server at all");
  });

  it("fails when /healthz does not answer 200", async () => {
    behaviour.healthz = 503;
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.log).toContain(`check FAIL GET https://${MAIN}/healthz: answered 503, expected 200`);
  });

  it("fails when /readyz is reachable through the main host", async () => {
    behaviour.readyz = 200;
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.log).toContain(`check FAIL GET https://${MAIN}/readyz: answered 200, expected 403 (the edge and the load balancers' ACLs must refuse it)`);
  });

  it.each([
    ["the query dropped", (url: string) => `https://${MAIN}${url.split("?")[0]}`],
    ["the path dropped", () => `https://${MAIN}/`],
    ["the {{path}} placeholder left literal", () => `https://${MAIN}/{{path}}`],
    ["the apex kept", (url: string) => `https://${APEX}${url}`],
    ["http instead of https", (url: string) => `http://${MAIN}${url}`],
  ])("fails when the apex redirect has %s", async (_label, location) => {
    behaviour.location = location;
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.log).toContain(`expected exactly https://${MAIN}${REDIRECT_PROBE}`);
  });

  it("fails when the apex answers 302 instead of 301", async () => {
    behaviour.redirectStatus = 302;
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.log).toContain("answered 302, expected 301");
  });

  it("fails when the certificate does not chain to the trusted CA", async () => {
    const r = await check(["--ca-file", join(dir, "other.pem")]);
    expect(r.code).toBe(1);
    expect(r.log).toMatch(/GET https:\/\/www\.renfort\.test\/readyz: failed: .*(self-signed|unable to verify|issuer)/i);
  });

  it("fails on a refused API key without printing it", async () => {
    const r = await check([], { SCW_SECRET_KEY: "wrong-key-0000000000000000" });
    expect(r.code).toBe(1);
    expect(r.log).toContain("failed: 401 from");
    expect(r.log).not.toContain("wrong-key-0000000000000000");
  });

  /** Runs the check with `--outputs` holding `doc`, no --lb and no --min-healthy. */
  async function checkWithOutputs(doc: unknown) {
    const outputs = join(dir, "outputs.json");
    writeFileSync(outputs, JSON.stringify(doc));
    const log: string[] = [];
    const code = await main(
      ["--stack", "staging", "--check", "--main-host", MAIN, "--apex-host", APEX, "--connect-to", `${MAIN}=${lbAddress}`, "--connect-to", `${APEX}=${lbAddress}`, "--ca-file", join(dir, "ca.pem"), "--scw-api-url", apiUrl, "--outputs", outputs],
      { SCW_SECRET_KEY: KEY },
      (s) => log.push(s),
      dir,
    );
    return { code, log: log.join("\n") };
  }

  // The shape stacks/platform.ts exports (ids as the provider gives them, `<zone>/<uuid>`).
  const lbOutput = (id: string, backend: string, minHealthyPerBackend: number) => ({ key: "k", zone: id.split("/")[0], id, backendIds: [`${id.split("/")[0]}/${backend}`], minHealthyPerBackend });

  it("reads each load balancer, its backends and their own minimum from `pulumi stack output --json`", async () => {
    // capacity.minInstances is the fleet's total: a backend holds only its own group's instances
    const r = await checkWithOutputs({ mainUrl: `https://${MAIN}`, capacity: { minInstances: 6 }, loadBalancers: [lbOutput(LB1, "backend-a", 3), lbOutput(LB2, "backend-b", 3)] });
    expect(r).toEqual({ code: 0, log: expect.stringContaining("release: post-deploy check passed") });
    expect(r.log).toContain(`backends of load balancer ${LB1}, backend backend-a: 3 of 3 servers healthy, at least 3 needed`);
  });

  it("applies each load balancer's minimum to its own backends", async () => {
    const r = await checkWithOutputs({ loadBalancers: [lbOutput(LB1, "backend-a", 4), lbOutput(LB2, "backend-b", 3)] });
    expect(r.code).toBe(1);
    expect(r.log).toContain("backend backend-a: 3 of 3 servers healthy, at least 4 needed");
    expect(r.log).toContain("ok   backends of load balancer fr-par-2/22222222-2222-4222-8222-222222222222, backend backend-b: 3 of 3");
  });

  it("fails on a listed backend that holds no server at all (the API has no row for it)", async () => {
    const r = await checkWithOutputs({ loadBalancers: [lbOutput(LB1, "backend-a", 3), { ...lbOutput(LB2, "backend-b", 3), backendIds: ["fr-par-2/backend-b", "fr-par-2/backend-empty"] }] });
    expect(r.code).toBe(1);
    expect(r.log).toContain("backend backend-empty: 0 of 0 servers healthy, at least 3 needed");
  });

  it("refuses outputs without a per-backend minimum unless --min-healthy is given (exit 2)", async () => {
    const r = await checkWithOutputs({ capacity: { minInstances: 6 }, loadBalancers: [{ zone: "fr-par-1", id: LB1 }] });
    expect(r.code).toBe(2);
    expect(r.log).toContain("loadBalancers[].minHealthyPerBackend");
  });

  it("refuses to run without hosts or a minimum (exit 2), naming what to pass", async () => {
    const log: string[] = [];
    expect(await main(["--stack", "staging", "--check"], {}, (s) => log.push(s), dir)).toBe(2);
    expect(log.join("\n")).toContain("--main-host and --apex-host");
    const log2: string[] = [];
    expect(await main(["--stack", "staging", "--check", "--main-host", MAIN, "--apex-host", APEX], {}, (s) => log2.push(s), dir)).toBe(2);
    expect(log2.join("\n")).toContain("--min-healthy N");
  });
});

describe("healthyByBackend", () => {
  it("counts only running servers whose last health check passed", () => {
    const m = healthyByBackend([
      { backend_id: "b", ip: "1", server_state: "running", last_health_check_status: "passed" },
      { backend_id: "b", ip: "2", server_state: "starting", last_health_check_status: "passed" },
      { backend_id: "b", ip: "3", server_state: "running", last_health_check_status: "condpass" },
      { backend_id: "b", ip: "4", server_state: "running", last_health_check_status: "unknown" },
    ]);
    expect(m.get("b")).toEqual({ healthy: 1, total: 4, unhealthy: ["2 (starting, health check passed)", "3 (running, health check condpass)", "4 (running, health check unknown)"] });
  });
});

describe("the stack outputs stacks/platform.ts exports are what the check reads", () => {
  it.each(["staging", "prod"] as const)("%s: every load balancer with its zone, id, backend ids and its group's minimum", async (stack) => {
    const committed = committedStack(stack);
    // The platform as the entry point builds it, placeholder refusal aside (the committed ACL is one).
    const run = await evaluateStack(committed, () => {
      const { config, secrets } = loadStackConfig();
      return buildPlatform(config, secrets);
    });
    // as `pulumi stack output --json` writes them
    const read = fromStackOutputs(JSON.stringify(run.outputs), "outputs");
    const zones = committed.config.origin.zones;
    // what the fleet's instance groups register in: the load balancers and backends that must hold the servers
    const registrations = run.resources
      .filter((r) => r.type === "scaleway:autoscaling/instanceGroup:InstanceGroup")
      .map((r) => (r.inputs as { loadBalancers: Array<{ id: string; backendIds: string[] }> }).loadBalancers[0]!);
    const capacity = run.outputs.capacity as { minInstances: number; maxInstances: number };
    const perBackend = groupCapacity(capacity, zones.length).minReplicas;
    expect(registrations).toHaveLength(zones.length);
    expect(read.loadBalancers).toHaveLength(zones.length);
    expect(read.loadBalancers.map((l) => l.zone)).toEqual(zones);
    for (const l of read.loadBalancers) {
      expect(l.id).toMatch(/^[0-9a-f-]{36}$/);
      const registered = registrations.find((g) => g.id.split("/").pop() === l.id);
      expect(registered).toBeDefined();
      expect(l.backendIds).toEqual(registered!.backendIds.map((b) => b.split("/").pop()));
      expect(l.minHealthy).toBe(perBackend);
    }
    expect(perBackend).toBe(stack === "prod" ? 3 : 1);
  });
});
