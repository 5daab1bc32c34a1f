/**
 * Command line of `npm run loadtest`: parsed and validated into the campaign's options, refusing anything
 * unsafe or unbounded before a single request leaves.
 */
import { parseArgs } from "node:util";
import { DEFAULT_MIX_TEXT, parseMix, totalRateFor, type Mix } from "./mix";
import { ALLOW_HOSTS_ENV, allowHostsFromEnv, checkTarget, type TargetDecision } from "./safety";
import { plannedCount } from "./scheduler";
import { MAX_VISITOR_ADDRESSES } from "./traffic";
import { DEFAULT_SLO, type Slo } from "./slo";

export const USAGE = `Usage: npm run loadtest -- --url <base url> [options]

Progressive open-model load against the signup path: each step offers a constant arrival rate of
signups per second (plus the mix's pages and applications on top), measures latency from each
request's intended send time, and stops escalating at the first step that breaks the SLO.

  --url <url>                    target base URL (loopback only, unless allowed below)
  --steps <list>                 signups per second of each step (default 50,100,150,300,450,600)
  --step-seconds <s>             duration of each step (default 30)
  --warmup-seconds <s>           unjudged warm-up at the first step's rate (default 5)
  --slo-p99-ms <ms>              p99 latency bound (default ${DEFAULT_SLO.p99Ms})
  --max-error-rate <ratio>       highest failed/sent ratio (default ${DEFAULT_SLO.maxErrorRate})
  --min-achieved-ratio <ratio>   lowest achieved/offered ratio (default ${DEFAULT_SLO.minAchievedRatio})
  --mix <kind=share,...>         signup, pages, apply shares (default ${DEFAULT_MIX_TEXT})
  --report <file.json>           JSON report, also written on Ctrl-C (default loadtest-report.json)
  --markdown <file.md>           Markdown report
  --instances <n>                instances behind the URL; the held figure is per instance (default 1)
  --client-ips <n>               simulate n visitors: each request carries CF-Connecting-IP from
                                 100.64.0.0/10, so an app that trusts the generator as a proxy
                                 (TRUSTED_PROXIES) applies its per-visitor rate limits (default 0: off)
  --max-requests <n>             hard bound on requests sent (default 250000)
  --max-minutes <n>              refuse a campaign planned longer than this (default 30)
  --timeout-ms <ms>              per-request timeout, counted as an error (default 10000)
  --connections <n>              connection pool size (default 1024)
  --email-domain <domain>        domain of the signup emails (default example.org, reserved by RFC 2606)
  --allow-host <host>            allow a non-loopback host (repeatable; also ${ALLOW_HOSTS_ENV}=h1,h2)
  --i-know-this-is-production    allow any host
  --help

Exit status: 0 every step held, 3 a step failed the SLO, 4 the request budget ran out,
130 interrupted (Ctrl-C; the partial report is written), 2 refused or invalid arguments.`;

export const DEFAULT_STEPS = [50, 100, 150, 300, 450, 600];

export interface LoadtestArgs {
  url: string;
  steps: number[];
  stepSeconds: number;
  warmupSeconds: number;
  slo: Slo;
  mix: Mix;
  mixText: string;
  reportPath: string;
  markdownPath: string | null;
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
    throw new Error(`--${flag} must be ${expect}, got "${raw}"`);
  }
  return n;
}

export type ParsedCommand = { help: true } | { help: false; args: LoadtestArgs };

export function parseLoadtestArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedCommand {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: "string" },
      steps: { type: "string" },
      "step-seconds": { type: "string" },
      "warmup-seconds": { type: "string" },
      "slo-p99-ms": { type: "string" },
      "max-error-rate": { type: "string" },
      "min-achieved-ratio": { type: "string" },
      mix: { type: "string" },
      report: { type: "string" },
      markdown: { type: "string" },
      instances: { type: "string" },
      "client-ips": { type: "string" },
      "max-requests": { type: "string" },
      "max-minutes": { type: "string" },
      "timeout-ms": { type: "string" },
      connections: { type: "string" },
      "email-domain": { type: "string" },
      "allow-host": { type: "string", multiple: true },
      "i-know-this-is-production": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return { help: true };
  if (values.url === undefined) throw new Error("--url is required, e.g. --url http://127.0.0.1:3000");
  const url = values.url;
  const target = checkTarget(url, {
    allowHosts: [...(values["allow-host"] ?? []), ...allowHostsFromEnv(env[ALLOW_HOSTS_ENV])],
    iKnowThisIsProduction: values["i-know-this-is-production"] === true,
  });

  let steps = DEFAULT_STEPS;
  if (values.steps !== undefined) {
    steps = values.steps.split(",").map((s) => num("steps", s.trim(), 0, (n) => n > 0 && n <= 100_000, "a comma-separated list of rates in (0, 100000] signups/s", ));
    if (steps.length === 0 || steps.length > 50) throw new Error(`--steps must list 1 to 50 rates, got ${steps.length}`);
    for (let i = 1; i < steps.length; i++) {
      if (steps[i] <= steps[i - 1]) throw new Error(`--steps must increase (the campaign escalates), got ${values.steps}`);
    }
  }
  const stepSeconds = num("step-seconds", values["step-seconds"], 30, (n) => n >= 0.5 && n <= 3600, "a number of seconds in [0.5, 3600]");
  const warmupSeconds = num("warmup-seconds", values["warmup-seconds"], 5, (n) => n >= 0 && n <= 600, "a number of seconds in [0, 600]");
  const slo: Slo = {
    p99Ms: num("slo-p99-ms", values["slo-p99-ms"], DEFAULT_SLO.p99Ms, (n) => n > 0, "a positive number of milliseconds"),
    maxErrorRate: num("max-error-rate", values["max-error-rate"], DEFAULT_SLO.maxErrorRate, (n) => n >= 0 && n < 1, "a ratio in [0, 1), e.g. 0.001"),
    minAchievedRatio: num("min-achieved-ratio", values["min-achieved-ratio"], DEFAULT_SLO.minAchievedRatio, (n) => n > 0 && n <= 1, "a ratio in (0, 1], e.g. 0.95"),
  };
  const mixText = values.mix ?? DEFAULT_MIX_TEXT;
  const mix = parseMix(mixText);
  const instances = num("instances", values.instances, 1, (n) => Number.isInteger(n) && n >= 1, "an integer >= 1");
  const clientIps = num("client-ips", values["client-ips"], 0, (n) => Number.isInteger(n) && n >= 0 && n <= MAX_VISITOR_ADDRESSES, `an integer in [0, ${MAX_VISITOR_ADDRESSES}]`);
  const maxRequests = num("max-requests", values["max-requests"], 250_000, (n) => Number.isInteger(n) && n >= 1, "an integer >= 1");
  const maxMinutes = num("max-minutes", values["max-minutes"], 30, (n) => n > 0, "a positive number of minutes");
  const timeoutMs = num("timeout-ms", values["timeout-ms"], 10_000, (n) => Number.isInteger(n) && n >= 10 && n <= 120_000, "an integer in [10, 120000]");
  const connections = num("connections", values.connections, 1024, (n) => Number.isInteger(n) && n >= 1 && n <= 10_000, "an integer in [1, 10000]");
  const emailDomain = values["email-domain"] ?? "example.org";
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(emailDomain)) {
    throw new Error(`--email-domain must be a domain name like example.org, got "${emailDomain}"`);
  }

  const plannedRequests =
    plannedCount(totalRateFor(steps[0], mix), warmupSeconds * 1000) +
    steps.reduce((sum, s) => sum + plannedCount(totalRateFor(s, mix), stepSeconds * 1000), 0);
  const plannedSeconds = warmupSeconds + steps.length * stepSeconds;
  if (plannedSeconds > maxMinutes * 60) {
    throw new Error(
      `the campaign would run ${plannedSeconds} s (${warmupSeconds} s warm-up + ${steps.length} steps x ${stepSeconds} s), over --max-minutes ${maxMinutes}; ` +
        `shorten --step-seconds, drop steps, or raise --max-minutes`,
    );
  }
  return {
    help: false,
    args: {
      url,
      steps,
      stepSeconds,
      warmupSeconds,
      slo,
      mix,
      mixText,
      reportPath: values.report ?? "loadtest-report.json",
      markdownPath: values.markdown ?? null,
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
