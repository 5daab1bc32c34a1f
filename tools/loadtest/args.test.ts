import { DEFAULT_STEPS, parseLoadtestArgs, type LoadtestArgs } from "./args";
import { formatProgress } from "./progress";

function parse(argv: string[], env: NodeJS.ProcessEnv = {}): LoadtestArgs {
  const r = parseLoadtestArgs(argv, env);
  if (r.help || r.render !== undefined) throw new Error("unexpected help or render");
  return r.args;
}

describe("parseLoadtestArgs", () => {
  it("applies the defaults of the original campaign", () => {
    const a = parse(["--url", "http://127.0.0.1:3000"]);
    expect(a).toMatchObject({
      steps: DEFAULT_STEPS,
      stepSeconds: 30,
      slo: { p99Ms: 100, maxErrorRate: 0.001, minAchievedRatio: 0.95 },
      reportPath: `${process.cwd()}/loadtest-report.json`,
      markdownPath: null,
      instances: 1,
      clientIps: 0,
      maxRequests: 250_000,
      target: { allowed: true, why: "loopback" },
      warmupSeconds: 5,
      plannedSeconds: 185,
    });
    expect(DEFAULT_STEPS).toEqual([50, 100, 150, 300, 450, 600]);
    // 1650 signups/s x 30 s at a 0.8 signup share, plus 5 s of warm-up at 62.5 requests/s.
    expect(a.plannedRequests).toBe(61_875 + 312);
  });

  it("reads a CI-sized campaign", () => {
    const a = parse(["--url", "http://localhost:3000", "--steps", "50,100,200", "--step-seconds", "3", "--warmup-seconds", "2", "--report", "r.json", "--markdown", "r.md", "--mix", "signup=1"], { INIT_CWD: "/home/u/reports" });
    // Relative paths are the user's: npm keeps the directory it was run in as INIT_CWD.
    expect(a).toMatchObject({ steps: [50, 100, 200], stepSeconds: 3, warmupSeconds: 2, reportPath: "/home/u/reports/r.json", markdownPath: "/home/u/reports/r.md", plannedRequests: 1150, plannedSeconds: 11 });
    expect(parse(["--url", "http://localhost:3000", "--report", "/tmp/abs.json"], { INIT_CWD: "/home/u" }).reportPath).toBe("/tmp/abs.json");
  });

  it("refuses a remote target unless allowed, by flag or environment", () => {
    expect(() => parse(["--url", "https://staging.renfort.fr"])).toThrow(/refusing to load staging\.renfort\.fr/);
    expect(parse(["--url", "https://staging.renfort.fr", "--allow-host", "staging.renfort.fr"]).target.why).toBe("allow-list");
    expect(parse(["--url", "https://staging.renfort.fr"], { RENFORT_LOADTEST_ALLOW_HOSTS: "staging.renfort.fr" }).target.why).toBe("allow-list");
    expect(parse(["--url", "https://app.renfort.fr", "--i-know-this-is-production"]).target.why).toBe("production-acknowledged");
  });

  it.each([
    [[], /--url is required/],
    [["--url", "http://127.0.0.1", "--steps", "100,50"], /--steps must increase/],
    [["--url", "http://127.0.0.1", "--steps", "50,abc"], /--steps must be a comma-separated list/],
    [["--url", "http://127.0.0.1", "--step-seconds", "0"], /--step-seconds must be a number of seconds in \[0.5, 3600\], got "0"/],
    [["--url", "http://127.0.0.1", "--max-error-rate", "5"], /--max-error-rate must be a ratio in \[0, 1\)/],
    [["--url", "http://127.0.0.1", "--max-requests", "1.5"], /--max-requests must be an integer >= 1/],
    [["--url", "http://127.0.0.1", "--mix", "pages=1"], /signup share must be > 0/],
    [["--url", "http://127.0.0.1", "--email-domain", "not a domain"], /--email-domain must be a domain name/],
    [["--url", "http://127.0.0.1", "--step-seconds", "600"], /would run 3605 s \(5 s warm-up \+ 6 steps x 600 s\), over --max-minutes 30/],
    [["--url", "http://127.0.0.1", "--bogus"], /Unknown option '--bogus'/],
    [["--url", "http://127.0.0.1", "--client-ips", "5000000"], /--client-ips must be an integer in \[0, 4194304\]/],
  ])("rejects %j", (argv, message) => {
    expect(() => parse(argv as string[])).toThrow(message);
  });

  it("reads the launch scenarios with their own defaults", () => {
    const home = parse(["--scenario", "home", "--url", "https://127.0.50.10:8443", "--host-header", "www.renfort.test", "--servername", "www.renfort.test", "--ca-file", "twin/ca.pem", "--local-address", "127.0.50.2"], { INIT_CWD: "/w" });
    expect(home).toMatchObject({
      scenario: "home",
      steps: [200, 500, 1000, 2000],
      stepSeconds: 30,
      slo: { minCacheHitRatio: 0.95 },
      mixText: "page=1,asset=2",
      hostHeader: "www.renfort.test",
      servername: "www.renfort.test",
      caFile: "/w/twin/ca.pem",
      localAddress: "127.0.50.2",
      cacheStatusHeader: "cf-cache-status",
    });
    const apex = parse(["--scenario", "apex", "--url", "http://127.0.50.20:80", "--main-host", "www.renfort.test"]);
    expect(apex).toMatchObject({ scenario: "apex", steps: [500, 1000, 2000, 4000, 6000, 8000], stepSeconds: 10, mainHost: "www.renfort.test", baseline: { seconds: 10, connections: 128, haproxy: "/usr/sbin/haproxy", wrk: "/usr/bin/wrk" } });
    // 21,500 redirects/s-steps x 10 s, plus 5 s of warm-up at 500/s; 5 + 60 s + 10 s of baseline.
    expect(apex.plannedRequests).toBe(215_000 + 2_500);
    expect(apex.plannedSeconds).toBe(75);
    expect(parse(["--url", "http://127.0.0.1:3000", "--export-k6", "k6/c.js"], { INIT_CWD: "/w" }).exportK6Path).toBe("/w/k6/c.js");
  });

  it("reads --render alone", () => {
    expect(parseLoadtestArgs(["--render", "m/r.json"], { INIT_CWD: "/w" })).toEqual({ help: false, render: "/w/m/r.json" });
    expect(() => parseLoadtestArgs(["--render", "r.json", "--url", "http://127.0.0.1"], {})).toThrow(/--render takes no other option \(got --url\)/);
  });

  it.each([
    [["--scenario", "load", "--url", "http://127.0.0.1"], /--scenario must be one of signup, home, apex, got "load"/],
    [["--scenario", "apex", "--url", "http://127.0.0.1"], /--main-host is required with --scenario apex/],
    [["--scenario", "apex", "--url", "http://127.0.0.1", "--main-host", "w.test", "--mix", "redirect=1"], /--mix does not apply to --scenario apex/],
    [["--url", "http://127.0.0.1", "--main-host", "w.test"], /--main-host applies to --scenario apex only/],
    [["--url", "http://127.0.0.1", "--min-cache-hit-ratio", "0.9"], /--min-cache-hit-ratio applies to --scenario home only/],
    [["--url", "http://127.0.0.1", "--servername", "w.test"], /--servername needs an https:\/\/ --url/],
    [["--url", "http://127.0.0.1", "--ca-file", "ca.pem"], /--ca-file needs an https:\/\/ --url/],
    [["--url", "http://127.0.0.1", "--local-address", "here"], /--local-address must be an IP address of this machine/],
    [["--url", "http://127.0.0.1", "--host-header", "a b"], /--host-header must be a host name/],
    [["--scenario", "home", "--url", "http://127.0.0.1", "--mix", "signup=1"], /unknown kind "signup" for the home scenario/],
    [["--scenario", "apex", "--url", "http://127.0.0.1", "--main-host", "w.test", "--baseline-seconds", "500"], /--baseline-seconds must be an integer number of seconds in \[0, 120\]/],
  ])("rejects the scenario options %j", (argv, message) => {
    expect(() => parse(argv as string[])).toThrow(message);
  });

  it("reads the simulated visitors", () => {
    expect(parse(["--url", "http://127.0.0.1", "--client-ips", "100000"]).clientIps).toBe(100_000);
  });

  it("answers --help", () => {
    expect(parseLoadtestArgs(["--help"], {})).toEqual({ help: true });
  });
});

describe("formatProgress", () => {
  it("shows step, offered and achieved rate, p99 and errors", () => {
    expect(
      formatProgress({
        stepIndex: 2, stepCount: 6, rate: 150, unit: "signups/s", offeredRequestsPerSecond: 187.5, elapsedSeconds: 12.04,
        stepSeconds: 30, sent: 2250, ok: 2249, errors: 1, inFlight: 3, achievedRequestsPerSecond: 186.93, p99Ms: 12.3,
      }),
    ).toBe("step 3/6 150 signups/s [12.0/30 s] offered 187.5/s achieved 186.9/s p99 12.3 ms errors 1 (0.04%) in flight 3");
  });
});
