/**
 * The release health gate: its decision as a table, and its polling against a local HTTP server that
 * answers the two Scaleway endpoints it calls with their documented shapes (scaleway-sdk-go
 * api/ipam/v1 ListIPsResponse, api/lb/v1 ListBackendStatsResponse).
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { evaluateProgram } from "../../tools/plan/harness";
import type { AddressInfo } from "node:net";
import { FleetHealthGate, bareId, gateReplaces, targetVerdict, waitForHealthyFleet, type BackendServerStat, type GateInputs, type PollDeps } from "./health-gate";
import { scratchDir } from "../../testing/scratch";

const NEW = ["172.16.0.11", "172.16.0.12", "172.16.0.13"];
const OLD = ["172.16.0.5", "172.16.0.6"];
const stat = (ip: string, server_state: string, last_health_check_status: string): BackendServerStat => ({ ip, backend_id: "b1", server_state, last_health_check_status });

describe("targetVerdict", () => {
  const target = { key: "primary", minHealthy: 2 };
  it.each<[string, BackendServerStat[], number, boolean]>([
    ["two new instances passed", [stat(NEW[0], "running", "passed"), stat(NEW[1], "running", "passed")], 2, true],
    ["three passed, more than needed", NEW.map((ip) => stat(ip, "running", "passed")), 3, true],
    ["one passed, one still checking", [stat(NEW[0], "running", "passed"), stat(NEW[1], "running", "unknown")], 1, false],
    ["condpass is not healthy", [stat(NEW[0], "running", "passed"), stat(NEW[1], "running", "condpass")], 1, false],
    ["failed health checks", [stat(NEW[0], "running", "failed"), stat(NEW[1], "running", "failed")], 0, false],
    ["passed but not running", [stat(NEW[0], "starting", "passed"), stat(NEW[1], "stopping", "passed")], 0, false],
    ["the old release's healthy servers never count", OLD.map((ip) => stat(ip, "running", "passed")), 0, false],
    ["nothing registered yet", [], 0, false],
  ])("%s", (_label, stats, healthy, ok) => {
    expect(targetVerdict(target, NEW, stats)).toMatchObject({ healthy, required: 2, ok });
  });
});

describe("bareId and gateReplaces", () => {
  it("strips the locality prefix the provider puts on ids", () => {
    expect(bareId("fr-par-1/0b5e1c0e-1111-2222-3333-444455556666")).toBe("0b5e1c0e-1111-2222-3333-444455556666");
    expect(bareId("0b5e1c0e")).toBe("0b5e1c0e");
  });
  it("waits again for a new release or other groups, not for a changed timeout", () => {
    const base = { release: "r1", targets: [{ key: "primary", zone: "fr-par-1", loadBalancerId: "l", backendId: "b", instanceGroupId: "g1", minHealthy: 1 }] } as GateInputs;
    expect(gateReplaces(base, { ...base, timeoutSeconds: 60 })).toEqual([]);
    expect(gateReplaces(base, { ...base, release: "r2" })).toEqual(["release"]);
    expect(gateReplaces(base, { ...base, targets: [{ ...base.targets[0], instanceGroupId: "g2" }] })).toEqual(["targets"]);
  });
});

/** A local stand-in for api.scaleway.com: IPAM and LB backend stats, per zone and group, changing over time. */
class FakeScaleway {
  server: Server;
  requests: { path: string; token: string | undefined }[] = [];
  /** Group id → its instances' private IPs (IPAM answers with CIDRs, as the API does). */
  groupIps: Record<string, string[]> = {};
  /** `<zone>/<lb>/<backend>` → the stats answered on each successive call (the last one repeats). */
  stats: Record<string, BackendServerStat[][]> = {};
  status = 200;
  private calls: Record<string, number> = {};

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: import("node:http").ServerResponse) {
    const url = new URL(req.url ?? "/", "http://x");
    this.requests.push({ path: url.pathname + url.search, token: req.headers["x-auth-token"] as string | undefined });
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (this.status !== 200) return send(this.status, { message: "authentication is denied", type: "denied_authentication" });
    let m = /^\/ipam\/v1\/regions\/([a-z-]+)\/ips$/.exec(url.pathname);
    if (m) {
      const ips = this.groupIps[url.searchParams.get("resource_name") ?? ""] ?? [];
      return send(200, { total_count: ips.length, ips: ips.map((ip) => ({ id: `ip-${ip}`, address: `${ip}/22`, is_ipv6: false, resource: { type: "instance_private_nic", id: "nic", name: `instance-${url.searchParams.get("resource_name")}-x` } })) });
    }
    m = /^\/lb\/v1\/zones\/([a-z0-9-]+)\/lbs\/([^/]+)\/backend-stats$/.exec(url.pathname);
    if (m) {
      const key = `${m[1]}/${m[2]}/${url.searchParams.get("backend_id")}`;
      const seq = this.stats[key] ?? [[]];
      const n = (this.calls[key] = (this.calls[key] ?? 0) + 1);
      const list = seq[Math.min(n - 1, seq.length - 1)];
      return send(200, { backend_servers_stats: list, total_count: list.length });
    }
    send(404, { message: "resource is not found", type: "not_found" });
  }
}

describe("waitForHealthyFleet against a local Scaleway API", () => {
  let api: FakeScaleway;
  let apiUrl: string;
  beforeEach(async () => {
    api = new FakeScaleway();
    apiUrl = await api.start();
  });
  afterEach(() => api.stop());

  /** Virtual clock: sleep advances it, so a 900 s timeout takes no real time. */
  function deps(secretKey: string | undefined = "scw-secret-test-key"): PollDeps & { lines: string[] } {
    let t = 0;
    const lines: string[] = [];
    return { secretKey, fetch: globalThis.fetch, now: () => t, sleep: async (ms) => void (t += ms), log: (l) => lines.push(l), lines };
  }

  const inputs = (): GateInputs => ({
    apiUrl,
    region: "fr-par",
    privateNetworkId: "fr-par/pn-1",
    release: "abc123",
    timeoutSeconds: 60,
    intervalSeconds: 10,
    targets: [
      { key: "primary", zone: "fr-par-1", loadBalancerId: "fr-par-1/lb-a", backendId: "fr-par-1/be-a", instanceGroupId: "fr-par-1/grp-a", minHealthy: 2 },
      { key: "secondary", zone: "fr-par-2", loadBalancerId: "fr-par-2/lb-b", backendId: "fr-par-2/be-b", instanceGroupId: "fr-par-2/grp-b", minHealthy: 2 },
    ],
  });

  it("returns once every backend holds the minimum of the new group's healthy instances", async () => {
    api.groupIps = { "grp-a": ["172.16.0.11", "172.16.0.12"], "grp-b": ["172.16.1.11", "172.16.1.12"] };
    api.stats = {
      "fr-par-1/lb-a/be-a": [
        [stat("172.16.0.5", "running", "passed"), stat("172.16.0.11", "starting", "unknown")],
        [stat("172.16.0.5", "running", "passed"), stat("172.16.0.11", "running", "passed"), stat("172.16.0.12", "running", "passed")],
      ],
      "fr-par-2/lb-b/be-b": [[stat("172.16.1.11", "running", "passed"), stat("172.16.1.12", "running", "passed")]],
    };
    const d = deps();
    const verdicts = await waitForHealthyFleet(inputs(), d);
    expect(verdicts).toEqual([
      { key: "primary", healthy: 2, required: 2, registered: 2, ok: true },
      { key: "secondary", healthy: 2, required: 2, registered: 2, ok: true },
    ]);
    expect(d.lines[0]).toContain("primary: 0/2 healthy (1 registered)");
    // The documented paths and filters, bare ids, and the key in X-Auth-Token only.
    const paths = api.requests.map((r) => r.path);
    expect(paths).toContain("/ipam/v1/regions/fr-par/ips?private_network_id=pn-1&resource_name=grp-a&attached=true&is_ipv6=false&page_size=100");
    expect(paths).toContain("/lb/v1/zones/fr-par-2/lbs/lb-b/backend-stats?backend_id=be-b&page_size=100");
    expect(api.requests.every((r) => r.token === "scw-secret-test-key")).toBe(true);
    expect(paths.join()).not.toContain("scw-secret-test-key");
  });

  it("fails after the timeout, naming each load balancer's count, when the new instances never pass", async () => {
    api.groupIps = { "grp-a": ["172.16.0.11", "172.16.0.12"], "grp-b": ["172.16.1.11", "172.16.1.12"] };
    api.stats = {
      "fr-par-1/lb-a/be-a": [[stat("172.16.0.5", "running", "passed"), stat("172.16.0.11", "running", "failed"), stat("172.16.0.12", "running", "failed")]],
      "fr-par-2/lb-b/be-b": [[stat("172.16.1.11", "running", "passed"), stat("172.16.1.12", "running", "passed")]],
    };
    const d = deps();
    await expect(waitForHealthyFleet(inputs(), d)).rejects.toThrow(
      /release abc123 is not healthy after 60s \(primary: 0\/2 healthy \(2 registered\); secondary: 2\/2 healthy \(2 registered\)\); the previous release keeps serving/,
    );
    // 60 s at one poll every 10 s: the first poll and six more.
    expect(api.requests.filter((r) => r.path.startsWith("/lb/v1/zones/fr-par-1/")).length).toBe(7);
  });

  it("reports the API's refusal (without the key) when it persists", async () => {
    api.status = 403;
    const err = await waitForHealthyFleet(inputs(), deps()).catch((e: Error) => e);
    expect(String(err)).toMatch(/last error: GET http:\/\/127\.0\.0\.1:\d+\/ipam\/v1\/regions\/fr-par\/ips answered 403: .*authentication is denied/);
    expect(String(err)).not.toContain("scw-secret-test-key");
  });

  it("refuses to start without SCW_SECRET_KEY", async () => {
    await expect(waitForHealthyFleet(inputs(), deps(""))).rejects.toThrow("needs SCW_SECRET_KEY");
    expect(api.requests).toEqual([]);
  });
});

describe("the provider code Pulumi stores", () => {
  let api: FakeScaleway;
  let apiUrl: string;
  beforeAll(async () => {
    api = new FakeScaleway();
    apiUrl = await api.start();
    api.groupIps = { "grp-a": ["172.16.0.11"] };
    api.stats = { "fr-par-1/lb-a/be-a": [[stat("172.16.0.11", "running", "passed")]] };
  });
  afterAll(() => api.stop());

  it("runs in a fresh Node process, reading SCW_SECRET_KEY from its environment", async () => {
    // The serialized `__provider` input, exactly as `pulumi up` records it and the dynamic provider host loads it.
    const run = await evaluateProgram({
      stack: "prod",
      program: () => {
        new FleetHealthGate("gate", { region: "fr-par", privateNetworkId: "fr-par/pn-1", release: "r1", targets: [], timeoutSeconds: 5 });
      },
    });
    const code = String(run.resources.find((r) => r.name === "gate")?.inputs.__provider);
    const dir = scratchDir("renfort-gate-");
    writeFileSync(join(dir, "provider.js"), code);
    const inputs: GateInputs = {
      apiUrl,
      region: "fr-par",
      privateNetworkId: "fr-par/pn-1",
      release: "r1",
      timeoutSeconds: 5,
      intervalSeconds: 1,
      targets: [{ key: "primary", zone: "fr-par-1", loadBalancerId: "fr-par-1/lb-a", backendId: "be-a", instanceGroupId: "fr-par-1/grp-a", minHealthy: 1 }],
    };
    const runner = `const p = require(${JSON.stringify(join(dir, "provider.js"))}).handler();
p.create(${JSON.stringify(inputs)}).then((o) => console.log(JSON.stringify(o.outs.verdicts)), (e) => { console.error(e.message); process.exit(1); });`;
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", runner], { env: { PATH: process.env.PATH, SCW_SECRET_KEY: "scw-secret-from-env" }, timeout: 20000 });
    expect(JSON.parse(stdout.trim().split("\n").pop() ?? "")).toEqual([{ key: "primary", healthy: 1, required: 1, registered: 1, ok: true }]);
    expect(api.requests.length).toBeGreaterThan(0);
    expect(api.requests.every((r) => r.token === "scw-secret-from-env")).toBe(true);
  });
});
