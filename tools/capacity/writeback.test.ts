import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { capacitySchema } from "../../stacks/config/origin";
import type { CampaignReport, StepReport } from "../loadtest/report";
import { applyCapacityMeasurement, measurementFromReport, type CapacityMeasurement } from "./writeback";
import { scratchDir } from "../../testing/scratch";

// Real sockets and timers: the root multi-project run applies jest's 5 s default, not the infra project's.
jest.setTimeout(30_000);

const ROOT = resolve(__dirname, "../..");

function step(rate: number, result: "held" | "failed" | "interrupted", signupsOk = rate * 10): StepReport {
  const lat = { count: signupsOk, min: 1, mean: 3, p50: 2, p95: 8, p99: result === "failed" ? 450 : 12, max: 30 };
  return {
    rate,
    offeredRequestsPerSecond: rate,
    durationSeconds: 10,
    planned: rate * 10,
    sent: rate * 10,
    completed: rate * 10,
    ok: signupsOk,
    errors: rate * 10 - signupsOk,
    errorRate: 0,
    achievedRequestsPerSecond: signupsOk / 10,
    latencyMs: lat,
    sendLagMs: { count: 1, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 },
    statusCounts: { "201": signupsOk },
    byKind: { signup: { sent: rate * 10, ok: signupsOk, errors: 0, achievedPerSecond: signupsOk / 10, latencyMs: lat, statusCounts: { "201": signupsOk } } },
    verdict: { result, reasons: result === "held" ? [] : result === "failed" ? ["p99 450 ms > SLO 100 ms"] : ["step interrupted by SIGINT; not judged"] },
  };
}

function report(steps: StepReport[], patch: Partial<CampaignReport> = {}): CampaignReport {
  const held = steps.filter((s) => s.verdict.result === "held").at(-1)?.rate ?? null;
  const failed = steps.find((s) => s.verdict.result === "failed")?.rate ?? null;
  return {
    tool: "renfort-loadtest",
    schemaVersion: 2,
    runId: "ltfixture",
    target: "http://10.0.0.5:8080",
    startedAt: "2026-11-29T17:00:00.000Z",
    finishedAt: "2026-11-29T17:03:12.345Z",
    config: { scenario: "signup", unit: "signups/s", hostHeader: null, servername: null, mainHost: null, steps: [50, 100, 150, 300, 450, 600], stepSeconds: 30, warmupSeconds: 5, slo: { p99Ms: 100, maxErrorRate: 0.001, minAchievedRatio: 0.95 }, mix: "signup=1", instances: 1, clientIps: 0, maxRequests: 250000, timeoutMs: 10000, connections: 1024 },
    outcome: failed !== null ? "failed" : "held-all-steps",
    summary: "fixture",
    lastHeldStep: held,
    firstFailedStep: failed,
    heldRatePerInstance: held,
    ceilingFound: failed !== null,
    totals: { sent: 0, ok: 0, errors: 0, signupsOk: steps.reduce((n, s) => n + (s.byKind.signup?.ok ?? 0), 0) },
    warnings: [],
    steps,
    ...patch,
  };
}

const measurement: CapacityMeasurement = {
  signupsPerSecondPerInstance: 450,
  measuredAt: "2026-11-29T17:03:12.345Z",
  measurementSource: "reports/loadtest-prod.json",
};

describe("measurementFromReport", () => {
  it("takes the last held step, with when and where", () => {
    const r = report([step(50, "held"), step(100, "held"), step(150, "held"), step(300, "held"), step(450, "held"), step(600, "failed")]);
    expect(measurementFromReport(r, "reports/x.json", "prod")).toEqual({
      measurement: { signupsPerSecondPerInstance: 450, measuredAt: "2026-11-29T17:03:12.345Z", measurementSource: "reports/x.json" },
      notes: [],
    });
  });

  it("notes a floor and a loopback measurement for prod", () => {
    const r = report([step(50, "held"), step(100, "held")], { target: "http://127.0.0.1:3000" });
    expect(measurementFromReport(r, "r.json", "prod").notes).toEqual([
      "every step held: 100 signups/s is a floor (the ceiling is higher; add steps to find it)",
      "the campaign ran against http://127.0.0.1:3000, not a prod-sized instance: check this machine is representative of the prod instance type",
    ]);
    expect(measurementFromReport(r, "r.json", "staging").notes).toHaveLength(1);
  });

  it.each<[string, CampaignReport, RegExp]>([
    ["a campaign that failed at its first step", report([step(50, "failed")]), /refusing r\.json: the campaign failed at its first step \(50 signups\/s: p99 450 ms > SLO 100 ms\); no rate was shown to hold/],
    ["a campaign with no step", report([]), /the campaign ran no step/],
    ["a campaign without signups", report([step(50, "held", 0)]), /no signup succeeded in the campaign/],
    ["a campaign interrupted before any step held", report([step(50, "interrupted")]), /no step held the SLO/],
  ])("refuses %s", (_name, r, message) => {
    expect(() => measurementFromReport(r, "r.json", "prod")).toThrow(message);
  });
});

describe("applyCapacityMeasurement", () => {
  for (const stack of ["prod", "staging"]) {
    it(`writes the figure into a copy of Pulumi.${stack}.yaml and changes nothing else`, () => {
      const dir = scratchDir("renfort-capacity-");
      const file = join(dir, `Pulumi.${stack}.yaml`);
      copyFileSync(join(ROOT, `Pulumi.${stack}.yaml`), file);
      const before = readFileSync(file, "utf8");
      const { text, previous } = applyCapacityMeasurement(before, file, measurement);
      writeFileSync(file, text);

      const beforeCap = (parse(before) as { config: Record<string, Record<string, unknown>> }).config["renfort:capacity"];
      expect(previous).toBe(beforeCap.signupsPerSecondPerInstance);
      const cfg = (parse(readFileSync(file, "utf8")) as { config: Record<string, Record<string, unknown>> }).config;
      expect(cfg["renfort:capacity"]).toEqual({
        ...beforeCap,
        signupsPerSecondPerInstance: 450,
        measuredAt: "2026-11-29T17:03:12.345Z",
        measurementSource: "reports/loadtest-prod.json",
      });
      expect(capacitySchema.safeParse(cfg["renfort:capacity"]).success).toBe(true);

      // Line-level: the old figure's line changed, the provenance lines right after it were written (added,
      // or replaced when a previous measurement was recorded), all else is identical (comments, flow lists,
      // the CSR block scalar, ciphertexts).
      const a = before.split("\n");
      const b = text.split("\n");
      const i = a.findIndex((l) => /^\s+signupsPerSecondPerInstance:/.test(l));
      const recorded = a.slice(i + 1).findIndex((l) => !/^\s+(measuredAt|measurementSource):/.test(l));
      expect(b.slice(0, i)).toEqual(a.slice(0, i));
      expect(b.slice(i, i + 3)).toEqual([
        "    signupsPerSecondPerInstance: 450",
        '    measuredAt: "2026-11-29T17:03:12.345Z"',
        "    measurementSource: reports/loadtest-prod.json",
      ]);
      expect(b.slice(i + 3)).toEqual(a.slice(i + 1 + recorded));
      expect(text).toContain(`# Written by \`npm run capacity -- --stack ${stack} --from <loadtest report>\`.`);

      // Writing again replaces in place.
      const again = applyCapacityMeasurement(text, file, { ...measurement, signupsPerSecondPerInstance: 300, measuredAt: "2026-12-01T08:00:00.000Z" });
      expect(again.previous).toBe(450);
      const c = again.text.split("\n");
      expect(c).toHaveLength(b.length);
      expect(c.slice(i, i + 3)).toEqual([
        "    signupsPerSecondPerInstance: 300",
        '    measuredAt: "2026-12-01T08:00:00.000Z"',
        "    measurementSource: reports/loadtest-prod.json",
      ]);
    });
  }

  it("keeps a comment on the figure's line", () => {
    const text = [
      "config:",
      "  renfort:capacity:",
      "    targetSignupsPerSecond: 600 # launch night",
      "    headroom: 1.5",
      "    signupsPerSecondPerInstance: 150 # measured on staging",
      "",
    ].join("\n");
    expect(applyCapacityMeasurement(text, "Pulumi.x.yaml", measurement).text).toBe(
      [
        "config:",
        "  renfort:capacity:",
        "    targetSignupsPerSecond: 600 # launch night",
        "    headroom: 1.5",
        "    signupsPerSecondPerInstance: 450 # measured on staging",
        '    measuredAt: "2026-11-29T17:03:12.345Z"',
        "    measurementSource: reports/loadtest-prod.json",
        "",
      ].join("\n"),
    );
  });

  it.each([
    ["config:\n  renfort:tier: prod\n", /Pulumi\.x\.yaml has no renfort:capacity block: add it with targetSignupsPerSecond and headroom/],
    ["encryptionsalt: x\n", /Pulumi\.x\.yaml has no `config:` map/],
    ["config:\n  renfort:capacity:\n    headroom: 1.5\n", /Pulumi\.x\.yaml: renfort:capacity\.targetSignupsPerSecond/],
    ["config: [\n", /Pulumi\.x\.yaml is not valid YAML/],
  ])("refuses %j", (text, message) => {
    expect(() => applyCapacityMeasurement(text, "Pulumi.x.yaml", measurement)).toThrow(message);
  });
});

describe("npm run capacity", () => {
  const tsx = join(ROOT, "node_modules/.bin/tsx");
  const cli = join(ROOT, "tools/capacity/cli.ts");

  it("writes a report's figure into the stack file, and refuses a failed campaign without touching it", () => {
    const dir = scratchDir("renfort-capacity-cli-");
    copyFileSync(join(ROOT, "Pulumi.prod.yaml"), join(dir, "Pulumi.prod.yaml"));
    writeFileSync(join(dir, "good.json"), JSON.stringify(report([step(50, "held"), step(100, "held"), step(150, "failed")])));
    writeFileSync(join(dir, "bad.json"), JSON.stringify(report([step(50, "failed")])));

    // As `npm run capacity` from `dir`: npm runs the script from the package root, the user's directory is INIT_CWD.
    const run = (...argv: string[]) => spawnSync(tsx, [cli, "--dir", ".", ...argv], { cwd: ROOT, encoding: "utf8", env: { ...process.env, INIT_CWD: dir } });
    const bad = run("--stack", "prod", "--from", "bad.json");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/capacity: refusing bad\.json: the campaign failed at its first step/);
    expect(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")).toBe(readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8"));

    const good = run("--stack", "prod", "--from", "good.json");
    expect(good.stderr).toBe("");
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/Pulumi\.prod\.yaml: renfort:capacity\.signupsPerSecondPerInstance \d+ -> 100 \(measured 2026-11-29T17:03:12\.345Z, from good\.json\)/);
    const cap = (parse(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> }).config["renfort:capacity"];
    expect(cap).toMatchObject({ signupsPerSecondPerInstance: 100, measuredAt: "2026-11-29T17:03:12.345Z", measurementSource: "good.json" });

    const notReport = run("--stack", "prod", "--from", "Pulumi.prod.yaml");
    expect(notReport.status).toBe(2);
    expect(notReport.stderr).toMatch(/--from: Pulumi\.prod\.yaml is not JSON/);
    const noStack = run("--stack", "qa", "--from", "good.json");
    expect(noStack.status).toBe(2);
    expect(noStack.stderr).toMatch(/no stack file .*Pulumi\.qa\.yaml/);
    const usage = run("--stack", "prod");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/give exactly one of --from <loadtest report\.json> and --from-k6 <k6 summary\.json>/);
    const help = run("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 +written \(or dry run\)\n {2}1 +the campaign shows no held signup rate/);
  });
});
