import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { campaignReportSchema } from "./report";
import { startFakeApp, type FakeApp } from "./testing/fakeApp";
import { startHaproxyRedirect, type Running } from "./testing/haproxy";
import { scratchDir } from "../../testing/scratch";

// Real sockets and timers: the root multi-project run applies jest's 5 s default, not the infra project's.
jest.setTimeout(30_000);

const ROOT = resolve(__dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const CLI = join(ROOT, "tools/loadtest/cli.ts");

describe("npm run loadtest", () => {
  let app: FakeApp | undefined;
  let haproxy: Running | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await haproxy?.close();
    haproxy = undefined;
  });

  it("runs the apex campaign against a real HAProxy redirect, then the wrk baseline, and writes the ratio and the knee", async () => {
    haproxy = await startHaproxyRedirect("127.0.50.41", "www.renfort.test");
    const dir = scratchDir("renfort-loadtest-apex-");
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(
        TSX,
        [CLI, "--scenario", "apex", "--url", haproxy?.url ?? "", "--main-host", "www.renfort.test", "--steps", "100,200", "--step-seconds", "1", "--warmup-seconds", "0", "--slo-p99-ms", "60000", "--min-achieved-ratio", "0.01", "--baseline-seconds", "1", "--baseline-connections", "8", "--report", "apex.json"],
        { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, INIT_CWD: dir } },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("exit", (code) => done({ code, stdout, stderr }));
    });
    expect(r.code).toBe(0);
    const report = campaignReportSchema.parse(JSON.parse(readFileSync(join(dir, "apex.json"), "utf8")));
    expect(report.apex?.baseline).toMatchObject({ tool: "wrk", connections: 8, non2xx3xx: 0 });
    expect(report.apex?.ratioToBaseline).toBeGreaterThan(0);
    expect(report.apex?.bestAchievedPerSecond).toBeGreaterThan(0);
    expect(report.apex?.knee.description).toMatch(/^no knee up to 200 redirects\/s/);
    expect(r.stdout).toMatch(/of a bare HAProxy measured with wrk in the same run/);
    expect(readFileSync(join(dir, "apex.svg"), "utf8")).toMatch(/data-series="baseline"/);
  });

  it("refuses a remote target before sending anything", () => {
    const env = { ...process.env, RENFORT_LOADTEST_ALLOW_HOSTS: "" };
    const r = spawnSync(TSX, [CLI, "--url", "https://app.renfort.example"], { encoding: "utf8", env });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/loadtest: refusing to load app\.renfort\.example/);
    expect(r.stdout).toBe("");
  });

  it("answers --help with the options and exit codes on stdout, exit 0; a bad option is a usage error, exit 2", () => {
    const help = spawnSync(TSX, [CLI, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--scenario signup\|home\|apex/);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 +every step held.*\n {2}1 +a step missed the SLO/);
    const bad = spawnSync(TSX, [CLI, "--url", "http://127.0.0.1:1", "--steps", "3,2"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^loadtest: --steps must increase/);
    const unknown = spawnSync(TSX, [CLI, "--bogus"], { encoding: "utf8" });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--bogus'/);
  });

  it("exits 3 when the target cannot be reached, 1 when a step misses the SLO", async () => {
    const dir = scratchDir("renfort-loadtest-cli-");
    const down = spawnSync(TSX, [CLI, "--url", "http://127.0.50.40:9", "--steps", "10", "--step-seconds", "1", "--warmup-seconds", "0", "--report", join(dir, "x.json")], { encoding: "utf8" });
    expect(down.status).toBe(3);
    expect(down.stderr).toMatch(/loadtest: cannot reach http:\/\/127\.0\.50\.40:9/);
    app = await startFakeApp({ conflictEvery: 2 });
    const failed = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = spawn(TSX, [CLI, "--url", app?.url ?? "", "--steps", "20", "--step-seconds", "1", "--warmup-seconds", "0", "--mix", "signup=1", "--report", "r.json"], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, INIT_CWD: dir },
      });
      let stdout = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.on("exit", (code) => done({ code, stdout }));
    });
    expect(failed.code).toBe(1);
    // Written where the user ran npm (INIT_CWD), with its chart and HTML beside it.
    const r = campaignReportSchema.parse(JSON.parse(readFileSync(join(dir, "r.json"), "utf8")));
    expect(r.outcome).toBe("failed");
    expect(readFileSync(join(dir, "r.svg"), "utf8")).toMatch(/^<svg /);
    expect(readFileSync(join(dir, "r.html"), "utf8")).toContain("<svg ");
  });

  it("writes the campaign as a k6 script instead of running it", () => {
    const dir = scratchDir("renfort-loadtest-k6-");
    const r = spawnSync(TSX, [CLI, "--url", "http://127.0.0.1:3000", "--steps", "50,100", "--export-k6", "out/campaign.js"], { encoding: "utf8", env: { ...process.env, INIT_CWD: dir } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const script = readFileSync(join(dir, "out/campaign.js"), "utf8");
    expect(script).toContain('"executor": "constant-arrival-rate"');
    expect(script).toContain('"http_req_duration{step:s02}"');
  });

  it("stops on Ctrl-C and writes the partial report", async () => {
    app = await startFakeApp();
    const dir = scratchDir("renfort-loadtest-cli-");
    const report = join(dir, "r.json");
    const markdown = join(dir, "r.md");
    const child = spawn(
      TSX,
      [CLI, "--url", app.url, "--steps", "50,100", "--step-seconds", "30", "--warmup-seconds", "0", "--report", report, "--markdown", markdown],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    // Interrupt once the first step is under way.
    await new Promise<void>((done) => {
      const poll = setInterval(() => {
        if (app !== undefined && app.arrivals.length > 40) {
          clearInterval(poll);
          done();
        }
      }, 50);
    });
    child.kill("SIGINT");
    const code = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
    expect(code).toBe(130);
    expect(existsSync(report)).toBe(true);
    const r = campaignReportSchema.parse(JSON.parse(readFileSync(report, "utf8")));
    expect(r.outcome).toBe("interrupted");
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0].verdict.result).toBe("interrupted");
    expect(r.steps[0].sent).toBeGreaterThan(30);
    expect(r.steps[0].sent).toBeLessThan(1500);
    expect(readFileSync(markdown, "utf8")).toContain("outcome `interrupted`");
    expect(stdout).toContain(`report: ${report}`);
  });
});
