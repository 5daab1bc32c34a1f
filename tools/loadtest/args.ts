/**
 * Command line of `npm run loadtest`: parsed and validated into the campaign's options, refusing anything
 * unsafe or unbounded before a single request leaves.
 */
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { EXIT, UsageError, fromUserDir, renderHelp } from "../cli/conventions";
import { DEFAULT_MIX, parseMix, totalRateFor, type Mix } from "./mix";
import { SCENARIOS, type ScenarioName } from "./report";
import { ALLOW_HOSTS_ENV, allowHostsFromEnv, checkTarget, type TargetDecision } from "./safety";
import { plannedCount } from "./scheduler";
import { MAX_VISITOR_ADDRESSES } from "./traffic";
import { DEFAULT_CACHE_HIT_GOAL, DEFAULT_SLO, type Slo } from "./slo";

export const DEFAULT_STEPS_BY_SCENARIO: Record<ScenarioName, number[]> = {
  signup: [50, 100, 150, 300, 450, 600],
  home: [200, 500, 1000, 2000],
  apex: [500, 1000, 2000, 4000, 6000, 8000],
};
/** Apex steps are short: 8,000 redirects/s for 30 s would spend the request budget on one step. */
export const DEFAULT_STEP_SECONDS: Record<ScenarioName, number> = { signup: 30, home: 30, apex: 10 };
export const DEFAULT_STEPS = DEFAULT_STEPS_BY_SCENARIO.signup;

export const USAGE = renderHelp({
  usage: [
    "npm run loadtest -- --url <base url> [--scenario signup|home|apex] [options]",
    "npm run loadtest -- --url <base url> [options] --export-k6 <script.js>",
    "npm run loadtest -- --render <report.json>",
  ],
  summary: `Progressive open-model load: each step offers a constant arrival rate, measures latency from each
request's intended send time, and stops escalating at the first step that breaks the SLO.`,
  groups: [
    {
      title: "Scenarios (--scenario signup|home|apex, the launch campaigns)",
      rows: [
        ["signup", `POST /api/volunteers, plus the mix's pages and applications on top; steps in signups/s (default ${DEFAULT_STEPS_BY_SCENARIO.signup.join(",")})`],
        ["home", `GET of the pages and of the assets the home page references, through the edge; steps in requests/s (default ${DEFAULT_STEPS_BY_SCENARIO.home.join(",")}); reports the edge cache hit ratio from --cache-status-header, judged against --min-cache-hit-ratio`],
        ["apex", `GETs to the apex that must answer 301 to https://<--main-host><path>?<query>; steps in redirects/s (default ${DEFAULT_STEPS_BY_SCENARIO.apex.join(",")}, ${DEFAULT_STEP_SECONDS.apex} s each); then a bare HAProxy serving the same redirect is measured with wrk for the ratio and the knee`],
      ],
    },
    {
      title: "Target",
      rows: [
        ["--url <url>", "target base URL: scheme, connect address and port (loopback only, unless allowed)"],
        ["--host-header <name>", "Host header when it differs from the URL's host (e.g. the twin's hosts.main)"],
        ["--servername <name>", "TLS server name (SNI, certificate check) when it differs from the URL's host"],
        ["--ca-file <file.pem>", "CA bundle to verify an HTTPS target with (e.g. the twin's edge.caFile)"],
        ["--local-address <ip>", "send from this local address (e.g. inside the twin's Cloudflare stand-in range)"],
        ["--main-host <name>", "apex: the host every Location must point to (required for apex)"],
        ["--cache-status-header <name>", "home: response header with the edge cache status (default cf-cache-status)"],
        ["--allow-host <host>", `allow a non-loopback host (repeatable; also ${ALLOW_HOSTS_ENV}=h1,h2)`],
        ["--i-know-this-is-production", "allow any host"],
      ],
    },
    {
      title: "Campaign",
      rows: [
        ["--steps <list>", "rate of each step, increasing (defaults above)"],
        ["--step-seconds <s>", `duration of each step (default ${DEFAULT_STEP_SECONDS.signup}; apex ${DEFAULT_STEP_SECONDS.apex})`],
        ["--warmup-seconds <s>", "unjudged warm-up at the first step's rate (default 5)"],
        ["--slo-p99-ms <ms>", `p99 latency bound (default ${DEFAULT_SLO.p99Ms})`],
        ["--max-error-rate <ratio>", `highest failed/sent ratio (default ${DEFAULT_SLO.maxErrorRate})`],
        ["--min-achieved-ratio <ratio>", `lowest achieved/offered ratio (default ${DEFAULT_SLO.minAchievedRatio})`],
        ["--min-cache-hit-ratio <ratio>", `home: lowest share of answers served by the edge cache (default ${DEFAULT_CACHE_HIT_GOAL})`],
        ["--mix <kind=share,...>", `signup: signup, pages, apply (default ${DEFAULT_MIX.signup}); home: page, asset (default ${DEFAULT_MIX.home})`],
        ["--instances <n>", "instances behind the URL; the held figure is per instance (default 1)"],
        ["--client-ips <n>", "simulate n visitors: each request carries CF-Connecting-IP from 100.64.0.0/10, so an app that trusts the generator as a proxy (TRUSTED_PROXIES) applies its per-visitor rate limits (default 0: off)"],
        ["--max-requests <n>", "hard bound on requests sent (default 250000)"],
        ["--max-minutes <n>", "refuse a campaign planned longer than this (default 30)"],
        ["--timeout-ms <ms>", "per-request timeout, counted as an error (default 10000)"],
        ["--connections <n>", "connection pool size (default 1024)"],
        ["--email-domain <domain>", "domain of the signup emails (default example.org, reserved by RFC 2606)"],
      ],
    },
    {
      title: "Apex baseline (a bare HAProxy serving the same redirect, measured with wrk in the same run)",
      rows: [
        ["--baseline-seconds <s>", "wrk duration; 0 skips the baseline (default 10)"],
        ["--baseline-connections <n>", "wrk connections (default 128), over 2 threads"],
        ["--haproxy <path>", "HAProxy binary (default /usr/sbin/haproxy)"],
        ["--wrk <path>", "wrk binary (default /usr/bin/wrk)"],
      ],
    },
  ],
  options: [
    ["--report <file.json>", "JSON report, also written on Ctrl-C (default loadtest-report.json); the chart (<file>.svg) and the HTML report (<file>.html) are written beside it"],
    ["--markdown <file.md>", "Markdown report"],
    ["--export-k6 <file.js>", "write the same campaign as a k6 script (arrival-rate executors, the SLO as thresholds) instead of running it"],
    ["--render <report.json>", "only (re)draw the chart and HTML report of an existing JSON report"],
  ],
  environment: [[ALLOW_HOSTS_ENV, "hosts other than loopback the campaign may target (comma-separated)"]],
  ok: "every step held (or the k6 script was written, or the chart drawn)",
  verdictFailed: "a step missed the SLO, or the request budget ran out before every step was judged",
  usageError: "bad option, unsafe or unbounded campaign, unreadable file (nothing was sent)",
  toolFailure: "target unreachable, the baseline or the report could not be made",
  otherExits: [[EXIT.interrupted, "interrupted (Ctrl-C; the partial report is written)"]],
});

export interface BaselineArgs {
  seconds: number;
  connections: number;
  haproxy: string;
  wrk: string;
}

export interface LoadtestArgs {
  scenario: ScenarioName;
  url: string;
  steps: number[];
  stepSeconds: number;
  warmupSeconds: number;
  slo: Slo;
  mix: Mix;
  mixText: string;
  /** Absolute paths (resolved from INIT_CWD). */
  reportPath: string;
  markdownPath: string | null;
  exportK6Path: string | null;
  caFile: string | null;
  hostHeader: string | null;
  servername: string | null;
  localAddress: string | null;
  mainHost: string | null;
  cacheStatusHeader: string;
  baseline: BaselineArgs;
  instances: number;
  clientIps: number;
  maxRequests: number;
  timeoutMs: number;
  connections: number;
  emailDomain: string;
  target: TargetDecision;
  /** Requests the campaign plans if every step runs (before --max-requests). */
  plannedRequests: number;
  plannedSeconds: number;
}

function num(flag: string, raw: string | undefined, fallback: number, check: (n: number) => boolean, expect: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) {
    throw new UsageError(`--${flag} must be ${expect}, got "${raw}"`);
  }
  return n;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;

function hostName(flag: string, raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (!HOST_NAME.test(raw)) throw new UsageError(`--${flag} must be a host name like app.renfort.example, got "${raw}"`);
  return raw.toLowerCase();
}

export type ParsedCommand = { help: true } | { help: false; render: string } | { help: false; render?: undefined; args: LoadtestArgs };

/** Parses the command line; throws `UsageError` (exit 2) with the option and the fix. */
export function parseLoadtestArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: "string" },
        url: { type: "string" },
        "host-header": { type: "string" },
        servername: { type: "string" },
        "ca-file": { type: "string" },
        "local-address": { type: "string" },
        "main-host": { type: "string" },
        "cache-status-header": { type: "string" },
        steps: { type: "string" },
        "step-seconds": { type: "string" },
        "warmup-seconds": { type: "string" },
        "slo-p99-ms": { type: "string" },
        "max-error-rate": { type: "string" },
        "min-achieved-ratio": { type: "string" },
        "min-cache-hit-ratio": { type: "string" },
        mix: { type: "string" },
        report: { type: "string" },
        markdown: { type: "string" },
        "export-k6": { type: "string" },
        instances: { type: "string" },
        "client-ips": { type: "string" },
        "max-requests": { type: "string" },
        "max-minutes": { type: "string" },
        "timeout-ms": { type: "string" },
        connections: { type: "string" },
        "email-domain": { type: "string" },
        "baseline-seconds": { type: "string" },
        "baseline-connections": { type: "string" },
        haproxy: { type: "string" },
        wrk: { type: "string" },
        render: { type: "string" },
        "allow-host": { type: "string", multiple: true },
        "i-know-this-is-production": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return { help: true };
  if (values.render !== undefined) {
    const others = Object.keys(values).filter((k) => !["render", "help", "i-know-this-is-production"].includes(k));
    if (others.length > 0) throw new UsageError(`--render takes no other option (got --${others.join(", --")})`);
    return { help: false, render: fromUserDir(values.render, env) };
  }
  const scenarioText = values.scenario ?? "signup";
  if (!(SCENARIOS as readonly string[]).includes(scenarioText)) {
    throw new UsageError(`--scenario must be one of ${SCENARIOS.join(", ")}, got "${scenarioText}"`);
  }
  const scenario = scenarioText as ScenarioName;
  if (values.url === undefined) throw new UsageError("--url is required, e.g. --url http://127.0.0.1:3000");
  const url = values.url;
  let target: TargetDecision;
  try {
    target = checkTarget(url, {
      allowHosts: [...(values["allow-host"] ?? []), ...allowHostsFromEnv(env[ALLOW_HOSTS_ENV])],
      iKnowThisIsProduction: values["i-know-this-is-production"] === true,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const https = new URL(url).protocol === "https:";

  let steps = DEFAULT_STEPS_BY_SCENARIO[scenario];
  if (values.steps !== undefined) {
    steps = values.steps.split(",").map((s) => num("steps", s.trim(), 0, (n) => n > 0 && n <= 100_000, "a comma-separated list of rates in (0, 100000] per second"));
    if (steps.length === 0 || steps.length > 50) throw new UsageError(`--steps must list 1 to 50 rates, got ${steps.length}`);
    for (let i = 1; i < steps.length; i++) {
      if (steps[i] <= steps[i - 1]) throw new UsageError(`--steps must increase (the campaign escalates), got ${values.steps}`);
    }
  }
  const stepSeconds = num("step-seconds", values["step-seconds"], DEFAULT_STEP_SECONDS[scenario], (n) => n >= 0.5 && n <= 3600, "a number of seconds in [0.5, 3600]");
  const warmupSeconds = num("warmup-seconds", values["warmup-seconds"], 5, (n) => n >= 0 && n <= 600, "a number of seconds in [0, 600]");
  if (scenario !== "home" && values["min-cache-hit-ratio"] !== undefined) {
    throw new UsageError("--min-cache-hit-ratio applies to --scenario home only");
  }
  const slo: Slo = {
    p99Ms: num("slo-p99-ms", values["slo-p99-ms"], DEFAULT_SLO.p99Ms, (n) => n > 0, "a positive number of milliseconds"),
    maxErrorRate: num("max-error-rate", values["max-error-rate"], DEFAULT_SLO.maxErrorRate, (n) => n >= 0 && n < 1, "a ratio in [0, 1), e.g. 0.001"),
    minAchievedRatio: num("min-achieved-ratio", values["min-achieved-ratio"], DEFAULT_SLO.minAchievedRatio, (n) => n > 0 && n <= 1, "a ratio in (0, 1], e.g. 0.95"),
    ...(scenario === "home"
      ? { minCacheHitRatio: num("min-cache-hit-ratio", values["min-cache-hit-ratio"], DEFAULT_CACHE_HIT_GOAL, (n) => n >= 0 && n <= 1, "a ratio in [0, 1], e.g. 0.95") }
      : {}),
  };
  if (scenario === "apex" && values.mix !== undefined) throw new UsageError("--mix does not apply to --scenario apex (every request is a redirect)");
  const mixText = values.mix ?? DEFAULT_MIX[scenario];
  let mix: Mix;
  try {
    mix = parseMix(mixText, scenario);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const mainHost = hostName("main-host", values["main-host"]);
  if (scenario === "apex" && mainHost === null) {
    throw new UsageError("--main-host is required with --scenario apex: every Location must be https://<main host><path>?<query> (the twin's hosts.main)");
  }
  if (scenario !== "apex" && mainHost !== null) throw new UsageError("--main-host applies to --scenario apex only");
  const hostHeader = hostName("host-header", values["host-header"]);
  const servername = hostName("servername", values.servername);
  if (servername !== null && !https) throw new UsageError("--servername needs an https:// --url (it is the TLS server name)");
  if (values["ca-file"] !== undefined && !https) throw new UsageError("--ca-file needs an https:// --url");
  const localAddress = values["local-address"] ?? null;
  if (localAddress !== null && isIP(localAddress) === 0) {
    throw new UsageError(`--local-address must be an IP address of this machine, e.g. 127.0.50.2, got "${localAddress}"`);
  }
  const cacheStatusHeader = values["cache-status-header"] ?? "cf-cache-status";
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(cacheStatusHeader)) {
    throw new UsageError(`--cache-status-header must be an HTTP header name, got "${cacheStatusHeader}"`);
  }
  const instances = num("instances", values.instances, 1, (n) => Number.isInteger(n) && n >= 1, "an integer >= 1");
  const clientIps = num("client-ips", values["client-ips"], 0, (n) => Number.isInteger(n) && n >= 0 && n <= MAX_VISITOR_ADDRESSES, `an integer in [0, ${MAX_VISITOR_ADDRESSES}]`);
  const maxRequests = num("max-requests", values["max-requests"], 250_000, (n) => Number.isInteger(n) && n >= 1, "an integer >= 1");
  const maxMinutes = num("max-minutes", values["max-minutes"], 30, (n) => n > 0, "a positive number of minutes");
  const timeoutMs = num("timeout-ms", values["timeout-ms"], 10_000, (n) => Number.isInteger(n) && n >= 10 && n <= 120_000, "an integer in [10, 120000]");
  const connections = num("connections", values.connections, 1024, (n) => Number.isInteger(n) && n >= 1 && n <= 10_000, "an integer in [1, 10000]");
  const emailDomain = values["email-domain"] ?? "example.org";
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(emailDomain)) {
    throw new UsageError(`--email-domain must be a domain name like example.org, got "${emailDomain}"`);
  }
  const baseline: BaselineArgs = {
    seconds: num("baseline-seconds", values["baseline-seconds"], 10, (n) => Number.isInteger(n) && n >= 0 && n <= 120, "an integer number of seconds in [0, 120]"),
    connections: num("baseline-connections", values["baseline-connections"], 128, (n) => Number.isInteger(n) && n >= 2 && n <= 10_000, "an integer in [2, 10000]"),
    haproxy: values.haproxy ?? "/usr/sbin/haproxy",
    wrk: values.wrk ?? "/usr/bin/wrk",
  };

  const plannedRequests =
    plannedCount(totalRateFor(steps[0], mix), warmupSeconds * 1000) +
    steps.reduce((sum, s) => sum + plannedCount(totalRateFor(s, mix), stepSeconds * 1000), 0);
  const plannedSeconds = warmupSeconds + steps.length * stepSeconds + (scenario === "apex" ? baseline.seconds : 0);
  if (plannedSeconds > maxMinutes * 60) {
    throw new UsageError(
      `the campaign would run ${plannedSeconds} s (${warmupSeconds} s warm-up + ${steps.length} steps x ${stepSeconds} s` +
        `${scenario === "apex" && baseline.seconds > 0 ? ` + ${baseline.seconds} s baseline` : ""}), over --max-minutes ${maxMinutes}; ` +
        `shorten --step-seconds, drop steps, or raise --max-minutes`,
    );
  }
  return {
    help: false,
    args: {
      scenario,
      url,
      steps,
      stepSeconds,
      warmupSeconds,
      slo,
      mix,
      mixText,
      reportPath: fromUserDir(values.report ?? "loadtest-report.json", env),
      markdownPath: values.markdown === undefined ? null : fromUserDir(values.markdown, env),
      exportK6Path: values["export-k6"] === undefined ? null : fromUserDir(values["export-k6"], env),
      caFile: values["ca-file"] === undefined ? null : fromUserDir(values["ca-file"], env),
      hostHeader,
      servername,
      localAddress,
      mainHost,
      cacheStatusHeader,
      baseline,
      instances,
      clientIps,
      maxRequests,
      timeoutMs,
      connections,
      emailDomain,
      target,
      plannedRequests,
      plannedSeconds,
    },
  };
}
