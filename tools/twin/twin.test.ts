/**
 * The twin end to end, through its command (`npm run twin`'s cli.ts in a child process), with real
 * parts: HAProxy, PostgreSQL (initdb), the app bundle, the SMTP server. Addresses in 127.0.20.0/24.
 * Skipped with a message when haproxy or the PostgreSQL server binaries are missing, except under CI
 * where that is a failure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { committedStack, stackFileWith } from "../plan/testing";
import { checkEdge, checkLoadBalancers, checkSignup } from "./checks";
import { twinRequest } from "./client";
import { findPostgresBin } from "./postgres";
import { alive, startTime, type Summary } from "./twin";
import { scratchDir } from "../../testing/scratch";

const IN_CI = !!process.env.CI && process.env.CI !== "false";
const missing = [spawnSync("haproxy", ["-v"]).status !== 0 ? "haproxy (apt-get install -y haproxy)" : "", findPostgresBin() ? "" : "the PostgreSQL server (apt-get install -y postgresql)"].filter(Boolean);
const CLI = join(__dirname, "cli.ts");
const BASE = "127.0.20.0";

function twin(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: join(__dirname, "..", ".."), encoding: "utf8", timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function portOpen(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

function endpoints(s: Summary): Array<[string, number]> {
  return [
    ...s.loadBalancers.flatMap((lb): Array<[string, number]> => [[lb.address, lb.httpPort], [lb.address, lb.httpsPort]]),
    ...s.instances.map((i): [string, number] => [i.address, i.port]),
    [s.smtp.host, s.smtp.port],
    [new URL(s.database.url).hostname, Number(new URL(s.database.url).port)],
  ];
}

if (missing.length > 0 && IN_CI) {
  test("the twin's parts are installed (required under CI)", () => {
    throw new Error(`CI is set but ${missing.join(" and ")} is missing`);
  });
} else if (missing.length > 0) {
  console.warn(`SKIPPED twin.test.ts: ${missing.join(" and ")} is not installed, so the twin cannot run here`);
  test.skip("the twin end to end (parts missing)", () => undefined);
} else {
  jest.setTimeout(240_000);

  describe("the twin of staging", () => {
    const dir = scratchDir("renfort-twin-test-");
    const stateDir = join(dir, "state");
    const summaryFile = join(dir, "summary.json");
    let summary: Summary;

    beforeAll(() => {
      const r = twin(["up", "--stack", "staging", "--state-dir", stateDir, "--summary", summaryFile, "--base-address", BASE]);
      if (r.status !== 0) throw new Error(`up failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
      summary = JSON.parse(readFileSync(summaryFile, "utf8")) as Summary;
    });

    afterAll(() => {
      twin(["down", "--state-dir", stateDir]);
      rmSync(dir, { recursive: true, force: true });
    });

    test("up prints what stands for which real service, and the summary holds no secret but the database URL", () => {
      const text = readFileSync(summaryFile, "utf8");
      expect(summary.hosts).toEqual({ main: "www.renfort-staging.fr", apex: "staging.renfort.gouv.fr" });
      // staging declares one load balancer per zone, and one instance group of the release per load balancer.
      expect(summary.loadBalancers).toHaveLength(2);
      expect(summary.instances.map((i) => i.group)).toEqual([
        expect.stringMatching(/^renfort-staging-app-primary-[0-9a-f]{10}$/),
        expect.stringMatching(/^renfort-staging-app-secondary-[0-9a-f]{10}$/),
      ]);
      const withoutDatabaseUrl = text.replace(summary.database.url, "");
      const generated = readFileSync(join(stateDir, "smtp-password"), "utf8");
      expect(withoutDatabaseUrl).not.toContain(generated);
      expect(withoutDatabaseUrl).not.toMatch(/password|ADMIN_TOKEN/i);
    });

    test("a second up says the twin is running and changes nothing", () => {
      const r = twin(["up", "--stack", "staging", "--state-dir", stateDir, "--base-address", BASE]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("already running");
      expect(twin(["status", "--state-dir", stateDir]).status).toBe(0);
    });

    test("straight to a load balancer: the main host is denied from outside the Cloudflare stand-in range, and from inside it without the origin-auth header or with a wrong value; served with it; the apex answers 301 keeping path and query", async () => {
      const results = await checkLoadBalancers(summary);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results.length).toBe(1 + 5 * summary.loadBalancers.length);
    });

    test("origin lock: another Cloudflare customer's request (a Cloudflare source, our Host, no or a wrong header) is refused by every load balancer, and the same page through the edge is served", async () => {
      const ca = readFileSync(summary.caFile, "utf8");
      const [auth] = JSON.parse(readFileSync(summary.originAuthFile, "utf8")) as Array<{ header: string; value: string }>;
      expect(auth.header).toBe("x-renfort-origin-auth");
      // The summary and the up output never hold the value; the file that does is the owner's only.
      expect(readFileSync(summaryFile, "utf8")).not.toContain(auth.value);
      expect(statSync(summary.originAuthFile).mode & 0o077).toBe(0);
      for (const lb of summary.loadBalancers) {
        const main = { address: lb.address, port: lb.httpsPort, host: summary.hosts.main, ca, path: "/missions", localAddress: summary.cloudflareSourceAddresses[1] ?? summary.cloudflareSourceAddresses[0] };
        expect((await twinRequest(main)).status).toBe(403);
        expect((await twinRequest({ ...main, headers: { [auth.header]: `${auth.value}x` } })).status).toBe(403);
        expect((await twinRequest({ ...main, headers: { [auth.header]: auth.value.toLowerCase() === auth.value ? auth.value.toUpperCase() : auth.value.toLowerCase() } })).status).toBe(403);
        expect((await twinRequest({ ...main, headers: { [auth.header]: auth.value } })).status).toBe(200);
      }
      // Through the edge: the visitor sends no header (or a forged one, which the edge overwrites) and is served.
      const edge = summary.edge!;
      const viaEdge = { address: edge.address, port: edge.httpsPort, host: summary.hosts.main, ca, path: "/missions" };
      expect((await twinRequest(viaEdge)).status).toBe(200);
      expect((await twinRequest({ ...viaEdge, headers: { [auth.header]: "forged" } })).status).toBe(200);
    });

    test("the apex over HTTP without a query keeps the path; plain HTTP to the main host goes to HTTPS", async () => {
      const lb = summary.loadBalancers[0];
      const apex = await twinRequest({ address: lb.address, port: lb.httpPort, host: summary.hosts.apex, path: "/signup" });
      expect([apex.status, apex.headers.location]).toEqual([301, `https://${summary.hosts.main}/signup?`]);
      const main = await twinRequest({ address: lb.address, port: lb.httpPort, host: summary.hosts.main, path: "/missions?zip=75011" });
      expect([main.status, main.headers.location]).toEqual([301, `https://${summary.hosts.main}/missions?zip=75011`]);
    });

    test("a signup through a load balancer is stored once, its confirmation mail lands in the mailbox and its link (PUBLIC_URL) activates", async () => {
      const results = await checkSignup(summary, "load balancer");
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results).toHaveLength(5);
    });

    test("through the edge: the home page is served and its second GET is a cache hit, a banned country gets 403, a signup is stored and mailed", async () => {
      expect(summary.edge).not.toBeNull();
      const banned = committedStack("staging").config.edge.geoBans[0];
      expect(banned).toMatch(/^[A-Z]{2}$/);
      const results = [...(await checkEdge(summary, banned)), ...(await checkSignup(summary, "edge"))];
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results).toHaveLength(8);
    });

    test("down stops every process, frees every port, removes the state directory; a second down is a no-op", async () => {
      // A pid is the same process only with the same start time (pids are reused on a busy machine).
      const started = new Map(summary.pids.map((pid) => [pid, startTime(pid)]));
      expect([...started.values()].every((t) => t !== undefined)).toBe(true);
      const r = twin(["down", "--state-dir", stateDir]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("twin stopped");
      expect(summary.pids.filter((pid) => alive(pid) && startTime(pid) === started.get(pid))).toEqual([]);
      const open = [];
      for (const [a, p] of endpoints(summary)) if (await portOpen(a, p)) open.push(`${a}:${p}`);
      expect(open).toEqual([]);
      expect(existsSync(stateDir)).toBe(false);
      const again = twin(["down", "--state-dir", stateDir]);
      expect([again.status, again.stdout.trim().split("\n").pop()]).toEqual([0, "no twin running"]);
      expect(twin(["status", "--state-dir", stateDir]).status).toBe(1);
    });
  });

  describe("the twin follows the declared ACLs, not a description of its own", () => {
    // The apex is an input of the origin's ACL builder (components/origin/acls.ts): change it in the stack
    // file and the ACLs the program declares change; the twin must behave accordingly.
    const dir = scratchDir("renfort-twin-acl-");
    const stateDir = join(dir, "state");
    const summaryFile = join(dir, "summary.json");
    let summary: Summary;

    beforeAll(() => {
      const configFile = stackFileWith("staging", /apex: staging\.renfort\.gouv\.fr/, "apex: accueil.renfort.gouv.fr");
      const r = twin(["up", "--stack", "staging", "--config-file", configFile, "--state-dir", stateDir, "--summary", summaryFile, "--base-address", BASE]);
      if (r.status !== 0) throw new Error(`up failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
      summary = JSON.parse(readFileSync(summaryFile, "utf8")) as Summary;
    });

    afterAll(() => {
      twin(["down", "--state-dir", stateDir]);
      rmSync(dir, { recursive: true, force: true });
    });

    test("the new apex is redirected to the main host; the old one is only sent to HTTPS and denied there", async () => {
      const lb = summary.loadBalancers[0];
      const ca = readFileSync(summary.caFile, "utf8");
      const fresh = await twinRequest({ address: lb.address, port: lb.httpPort, host: "accueil.renfort.gouv.fr", path: "/a?b=c" });
      expect([fresh.status, fresh.headers.location]).toEqual([301, `https://${summary.hosts.main}/a?b=c`]);
      const old = await twinRequest({ address: lb.address, port: lb.httpPort, host: "staging.renfort.gouv.fr", path: "/a?b=c" });
      expect([old.status, old.headers.location]).toEqual([301, "https://staging.renfort.gouv.fr/a?b=c"]);
      // Over HTTPS (SNI of the main host, whose certificate the LB has) the old apex is just another host: denied.
      const oldHttps = await twinRequest({ address: lb.address, port: lb.httpsPort, host: summary.hosts.main, path: "/a", ca, headers: { host: "staging.renfort.gouv.fr" } });
      expect(oldHttps.status).toBe(403);
    });
  });
}
