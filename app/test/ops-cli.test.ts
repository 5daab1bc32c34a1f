import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, connect, type AddressInfo } from "node:net";
import { join } from "node:path";
import { createTestDb, type TestDb } from "./db";
import { ADMIN_TOKEN } from "./app-harness";
import { runBundle, until, type Proc } from "./spawn";
import { scratchDir } from "../../testing/scratch";

/**
 * `npm run ops -- degraded ...` (tools/ops) against bundle processes behind a real HAProxy on this
 * machine: it sets the switch, then sees each instance through the load balancer and reports it.
 */

jest.setTimeout(120_000);

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const CLI = join(ROOT, "tools", "ops", "cli.ts");

const procs: Proc[] = [];
const balancers: ChildProcess[] = [];
const dbs: TestDb[] = [];

afterAll(async () => {
  for (const b of balancers) b.kill("SIGTERM");
  await Promise.all(
    procs.map(async (p) => {
      p.child.kill("SIGTERM");
      await p.exited;
    }),
  );
  for (const db of dbs) await db.drop();
});

async function instance(db: TestDb, id: string): Promise<number> {
  const p = runBundle([], { DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", ADMIN_TOKEN, INSTANCE_ID: id, MAX_EVENT_LOOP_DELAY_MS: "0" });
  procs.push(p);
  const line = await p.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/, 30000);
  return Number(/:(\d+)"?/.exec(line.slice(line.indexOf("127.0.0.1")))![1]);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** HAProxy, round robin over the given ports; returns its base URL. */
async function balancer(ports: number[]): Promise<string> {
  const port = await freePort();
  const cfg = join(scratchDir("renfort-ops-"), "haproxy.cfg");
  writeFileSync(
    cfg,
    [
      "defaults",
      "  mode http",
      "  timeout connect 2s",
      "  timeout client 10s",
      "  timeout server 10s",
      "frontend fe",
      `  bind 127.0.0.1:${port}`,
      "  default_backend be",
      "backend be",
      "  balance roundrobin",
      ...ports.map((p, k) => `  server s${k} 127.0.0.1:${p}`),
      "",
    ].join("\n"),
  );
  const hp = spawn("haproxy", ["-db", "-f", cfg], { stdio: "ignore" });
  balancers.push(hp);
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        const s = connect(port, "127.0.0.1", () => {
          s.destroy();
          resolve(true);
        });
        s.on("error", () => resolve(false));
      }),
    10_000,
  );
  return `http://127.0.0.1:${port}`;
}

function ops(args: string[], env: Record<string, string> = { RENFORT_ADMIN_TOKEN: ADMIN_TOKEN }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(TSX, [CLI, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

test("sets the mode through a load balancer and reports every instance; a stray instance fails the verdict; a bad token is a usage error", async () => {
  const fleetDb = await createTestDb();
  const strayDb = await createTestDb();
  dbs.push(fleetDb, strayDb);
  const [p1, p2, stray] = await Promise.all([instance(fleetDb, "app-1"), instance(fleetDb, "app-2"), instance(strayDb, "app-stray")]);
  const lb = await balancer([p1, p2]);

  const on = await ops(["degraded", "on", "--url", lb, "--reason", "launch-night surge", "--polls", "6"]);
  process.stdout.write(`npm run ops -- degraded on:\n${on.stdout}${on.stderr}`);
  expect(on.code).toBe(0);
  expect(on.stdout).toMatch(/app-1\s+degraded\s+since .* launch-night surge/);
  expect(on.stdout).toMatch(/app-2\s+degraded/);
  expect(on.stdout).toMatch(/OK: 2 instance\(s\) seen, all degraded/);
  expect(on.stdout + on.stderr).not.toContain(ADMIN_TOKEN);

  // an instance on another database (a stale release, a wrong DATABASE_URL) never applies it
  const mixed = await balancer([p1, p2, stray]);
  const status = await ops(["degraded", "status", "--url", mixed, "--polls", "6"]);
  process.stdout.write(`npm run ops -- degraded status (with a stray instance):\n${status.stdout}${status.stderr}`);
  expect(status.code).toBe(1);
  expect(status.stdout).toMatch(/FAILED: 1 of 3 instance\(s\) seen not in the same mode: app-stray/);

  const rejected = await ops(["degraded", "off", "--url", lb], { RENFORT_ADMIN_TOKEN: "not-the-admin-token-0123456789" });
  expect(rejected.code).toBe(2);
  expect(rejected.stderr).toMatch(/401, RENFORT_ADMIN_TOKEN was rejected/);
  expect(rejected.stderr).not.toContain("not-the-admin-token-0123456789");
  const missing = await ops(["degraded", "off", "--url", lb], {});
  expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/RENFORT_ADMIN_TOKEN is not set/)]);

  const off = await ops(["degraded", "off", "--url", lb, "--reason", "surge over", "--polls", "4"]);
  expect(off.code).toBe(0);
  expect(off.stdout).toMatch(/OK: 2 instance\(s\) seen, all normal/);
});
