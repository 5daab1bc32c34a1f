/**
 * The logic of `npm run ops -- degraded ...`: argument parsing, the HTTP calls to the app's admin API
 * and the verdict over the instances seen. See ./README.md.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { parseArgs } from "node:util";

import { ToolFailure, UsageError, renderHelp } from "../cli/conventions";

/** The project's conventions (tools/cli/conventions.ts), re-exported for ./cli.ts. */
export { EXIT, ToolFailure, UsageError } from "../cli/conventions";

export const USAGE = renderHelp({
  usage: ['npm run ops -- degraded <on|off|status> --stack <stack> [--reason "..."] [--url <base URL>] [--polls <n>] [--wait <seconds>]'],
  summary: `Sets or reads the fleet-wide degraded mode (PUT/GET /api/admin/degraded-mode) and prints the mode each
instance reports. Behind a load balancer each poll opens a new connection, so several instances answer;
the report lists every distinct instance seen.`,
  groups: [
    {
      title: "Commands",
      rows: [
        ["degraded on | off", "switch degraded mode on or off for the whole fleet, then poll until every instance seen applies it (at most --wait seconds)"],
        ["degraded status", "poll and print what each instance applies"],
      ],
    },
  ],
  options: [
    ["--stack <s>", "the stack: its base URL is https://<renfort:domain.mainHost> from Pulumi.<s>.yaml"],
    ["--url <base>", "the base URL instead, e.g. http://127.0.0.1:8080"],
    ['--reason "..."', 'why (kept in the switch\'s history); default "<on|off> by <user>@<host>"'],
    ["--polls <n>", "GET requests to send, new connection each (default 12)"],
    ["--wait <s>", "on/off: how long instances may take to apply the new mode (default 5)"],
  ],
  environment: [["RENFORT_ADMIN_TOKEN", "the stack's admin token (renfort:app.adminToken); never printed"]],
  ok: "every instance seen applies the expected mode",
  verdictFailed: "some instance does not (or instances disagree on status)",
  usageError: "bad option, missing token, rejected token, unknown stack",
  toolFailure: "network error, unexpected answer",
});

export interface OpsArgs {
  action: "on" | "off" | "status";
  stack: string | undefined;
  url: string | undefined;
  reason: string | undefined;
  polls: number;
  waitSeconds: number;
  help: boolean;
}

function positiveInt(name: string, raw: string | undefined, dflt: number, max: number): number {
  if (raw === undefined) return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new UsageError(`--${name} must be an integer between 1 and ${max}, got "${raw}"`);
  return Number(raw);
}

function hasControlCharacter(s: string): boolean {
  return [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** Parses `degraded <on|off|status> ...`; throws UsageError naming the option and the fix. */
export function parseOpsArgs(argv: string[]): OpsArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        stack: { type: "string" },
        url: { type: "string" },
        reason: { type: "string" },
        polls: { type: "string" },
        wait: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  if (help) return { action: "status", stack: undefined, url: undefined, reason: undefined, polls: 12, waitSeconds: 5, help };
  const [command, action, ...rest] = positionals;
  if (command !== "degraded") throw new UsageError(`unknown command "${command ?? ""}": use "degraded on|off|status"`);
  if (action !== "on" && action !== "off" && action !== "status") throw new UsageError(`degraded needs on, off or status, got "${action ?? ""}"`);
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}" (quote a --reason with spaces)`);
  if (values.stack === undefined && values.url === undefined) throw new UsageError("--stack <stack> (or --url <base URL>) is required, e.g. --stack prod");
  if (values.stack !== undefined && !/^[A-Za-z0-9_.-]+$/.test(values.stack)) throw new UsageError(`--stack must be a stack name such as prod, got "${values.stack}"`);
  if (values.url !== undefined) {
    let u: URL;
    try {
      u = new URL(values.url);
    } catch {
      throw new UsageError(`--url must be an http(s) base URL such as https://www.example.org, got "${values.url}"`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new UsageError(`--url must be http:// or https://, got "${values.url}"`);
  }
  if (values.reason !== undefined && (values.reason.trim() === "" || values.reason.length > 500 || hasControlCharacter(values.reason))) {
    throw new UsageError("--reason must be 1 to 500 characters on one line");
  }
  if (values.reason !== undefined && action === "status") throw new UsageError("--reason only applies to on and off");
  return {
    action,
    stack: values.stack,
    url: values.url,
    reason: values.reason,
    polls: positiveInt("polls", values.polls, 12, 1000),
    waitSeconds: positiveInt("wait", values.wait, 5, 600),
    help,
  };
}

/** The base URL of a stack: https://<renfort:domain.mainHost>, from its parsed config. */
export function baseUrlFromStackConfig(config: Record<string, unknown>, stack: string): string {
  const domain = config["renfort:domain"];
  const host = typeof domain === "object" && domain !== null ? (domain as Record<string, unknown>).mainHost : undefined;
  if (typeof host !== "string" || !/^[a-z0-9.-]+$/i.test(host)) {
    throw new UsageError(`Pulumi.${stack}.yaml has no renfort:domain.mainHost: set it, or pass --url <base URL>`);
  }
  return `https://${host}`;
}

/** What one instance answers on GET/PUT /api/admin/degraded-mode. */
export interface InstanceReport {
  instance: string;
  enabled: boolean;
  reason: string | null;
  changedAt: string | null;
  changedBy: string | null;
  source: string;
}

function isReport(v: unknown): v is InstanceReport {
  const r = v as Record<string, unknown> | null;
  return typeof r === "object" && r !== null && typeof r.instance === "string" && typeof r.enabled === "boolean";
}

export interface Verdict {
  ok: boolean;
  /** the latest report of each distinct instance, by instance id */
  instances: InstanceReport[];
  /** instances whose latest report differs from the expected mode (or from each other for status) */
  disagreeing: string[];
}

/**
 * The verdict over the reports seen, in arrival order: the latest report of each instance counts.
 * `expected` undefined (status): every instance must report the same mode.
 */
export function verdictOf(reports: readonly InstanceReport[], expected: boolean | undefined): Verdict {
  const latest = new Map<string, InstanceReport>();
  for (const r of reports) latest.set(r.instance, r);
  const instances = [...latest.values()].sort((a, b) => a.instance.localeCompare(b.instance));
  const want = expected ?? instances[0]?.enabled;
  const disagreeing = instances.filter((r) => r.enabled !== want).map((r) => r.instance);
  return { ok: instances.length > 0 && disagreeing.length === 0, instances, disagreeing };
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One request on a new connection (agent: false), so a load balancer may pick another instance each time. */
export function send(method: "GET" | "PUT", url: string, token: string, body?: string, timeoutMs = 5000): Promise<HttpAnswer> {
  const u = new URL(url);
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (err) => reject(new ToolFailure(`${method} ${u.origin}${u.pathname}: ${err.message}`)));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // the token is in the headers only: errors name the method and URL, never the request
    req.on("error", (err) => reject(new ToolFailure(`${method} ${u.origin}${u.pathname}: ${err.message}`)));
    req.end(body);
  });
}

/** Turns an answer into a report, or the error the operator can act on. */
export function reportFrom(answer: HttpAnswer, what: string): InstanceReport {
  if (answer.status === 401) throw new UsageError(`${what}: 401, RENFORT_ADMIN_TOKEN was rejected (is it the admin token of this stack?)`);
  if (answer.status === 404) throw new ToolFailure(`${what}: 404, this release of the app has no degraded-mode API`);
  if (answer.status !== 200) throw new ToolFailure(`${what}: unexpected ${answer.status} ${answer.body.slice(0, 200)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    throw new ToolFailure(`${what}: the answer is not JSON: ${answer.body.slice(0, 200)}`);
  }
  if (!isReport(parsed)) throw new ToolFailure(`${what}: the answer has no instance/enabled: ${answer.body.slice(0, 200)}`);
  return parsed;
}

export function formatReports(v: Verdict, expected: boolean | undefined): string {
  const rows = v.instances.map((r) => {
    const mode = r.enabled ? "degraded" : "normal";
    const mark = v.disagreeing.includes(r.instance) ? "  <- differs" : "";
    const since = r.changedAt ? ` since ${r.changedAt} by ${r.changedBy ?? "?"}: ${r.reason ?? ""}` : " (configured default, never switched)";
    return `  ${r.instance.padEnd(24)} ${mode.padEnd(8)}${since}${mark}`;
  });
  const want = expected === undefined ? "the same mode" : expected ? "degraded" : "normal";
  const verdict = v.ok ? `OK: ${v.instances.length} instance(s) seen, all ${want === "the same mode" ? (v.instances[0]?.enabled ? "degraded" : "normal") : want}` : `FAILED: ${v.disagreeing.length} of ${v.instances.length} instance(s) seen not in ${want}: ${v.disagreeing.join(", ")}`;
  return [...rows, verdict].join("\n");
}
