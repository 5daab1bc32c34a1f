import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { campaignReportSchema } from "./report";
import { startFakeApp, type FakeApp } from "./testing/fakeApp";

// Real sockets and timers: the root multi-project run applies jest's 5 s default, not the infra project's.
jest.setTimeout(30_000);

const ROOT = resolve(__dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const CLI = join(ROOT, "tools/loadtest/cli.ts");

describe("npm run loadtest", () => {
  let app: FakeApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("refuses a remote target before sending anything", () => {
    const env = { ...process.env, RENFORT_LOADTEST_ALLOW_HOSTS: "" };
    const r = spawnSync(TSX, [CLI, "--url", "https://app.renfort.example"], { encoding: "utf8", env });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/loadtest: refusing to load app\.renfort\.example/);
  });

  it("stops on Ctrl-C and writes the partial report", async () => {
    app = await startFakeApp();
    const dir = mkdtempSync(join(tmpdir(), "renfort-loadtest-cli-"));
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
