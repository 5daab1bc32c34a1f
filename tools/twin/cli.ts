/**
 * npm run twin -- up --stack <s> [--instances N] [--summary <file>] [--base-address 127.x.y.0]
 *                    [--state-dir <dir>] [--port-offset N] [--config-file <path>] [--client-ip-header <name>]
 * npm run twin -- down [--state-dir <dir>]
 * npm run twin -- status [--state-dir <dir>] [--json]
 * npm run twin -- check [--state-dir <dir>]      the behaviours of issue 16 against the running twin
 * npm run twin -- drill instance-kill|postgres-restart|smtp-down|release [--state-dir <dir>] [--rate N] [--seconds N]
 *                    [--outage N] [--gate-timeout N] [--set KEY=VALUE ...] [--bundle <file>] [--report <file>]
 * npm run twin -- campaign home|signup|apex [--state-dir <dir>] [--report <file>] [-- <npm run loadtest options>]
 *
 * Exit codes (tools/cli/conventions.ts): 0 ok, 1 verdict failed (a check failed, the drill lost a signup,
 * or no twin runs), 2 usage, stack-file or config error, 3 the tool or one of the twin's parts failed.
 */
import { EXIT, ToolFailure, UsageError, fromUserDir, parseOptions, processIo, renderHelp, runCommand } from "../cli/conventions";
import { ConfigError } from "../../stacks/config";
import { StackFileError } from "../plan/stack-file";
import { DEFAULT_BASE_ADDRESS } from "./addresses";
import { TopologyError } from "./topology";
import { DEFAULT_STATE_DIR, down, REPO_ROOT, status, up, type Summary } from "./twin";

const USAGE = renderHelp({
  usage: [
    `npm run twin -- up --stack <staging|prod> [--instances N] [--summary <file>] [--base-address ${DEFAULT_BASE_ADDRESS}]`,
    "                   [--state-dir <dir>] [--port-offset N] [--config-file <file>] [--client-ip-header <name>]",
    "npm run twin -- down [--state-dir <dir>]",
    "npm run twin -- status [--state-dir <dir>] [--json]",
    "npm run twin -- check [--state-dir <dir>]",
    "npm run twin -- drill instance-kill|postgres-restart|smtp-down|release [--rate 50] [--seconds 30] [--report <file>] [--state-dir <dir>]",
    "                      [--outage <s>] [--set KEY=VALUE ...] [--bundle app/dist/server.js] [--gate-timeout 60]",
    "npm run twin -- campaign home|signup|apex [--report <file>] [-- <more npm run loadtest options>]",
  ],
  summary: `Stands the stack's topology up on this machine from what the program declares (load balancers as HAProxy,
the fleet as app processes, PostgreSQL, an SMTP server, the edge stand-in), checks it, drills it, or stops it.`,
  groups: [
    {
      title: "Commands",
      rows: [
        ["up", "build and start the twin of --stack"],
        ["down", "stop every process up started and remove the state directory"],
        ["status", "list the twin's processes (exit 1 when no twin runs)"],
        ["check", "origin lock, apex 301, signup stored and mailed (and the edge's cache and geo ban)"],
        ["drill instance-kill", "kill one app process under steady signup load"],
        ["drill postgres-restart", "stop PostgreSQL for --outage seconds (default 5), start it again"],
        ["drill smtp-down", "stop the SMTP server for --outage seconds (default 60); every mail must land once later"],
        ["drill release", "roll a new release (--set, --bundle) through every backend behind the fleet's health gate; exit 1 if any request failed or the gate did not pass"],
        ["campaign home|signup|apex", "the launch campaign against the running twin (its summary gives the targets)"],
      ],
    },
  ],
  options: [
    ["--stack <name>", "up: the stack whose Pulumi.<name>.yaml is evaluated"],
    ["--config-file <file>", "up: read this file (same format as Pulumi.<stack>.yaml) instead"],
    ["--instances <n>", "up: app processes per group (default: each group's minimum)"],
    ["--summary <file>", "up: write the twin's addresses, hosts and CA as JSON"],
    ["--base-address <a>", `up: the loopback /24 the twin uses (default ${DEFAULT_BASE_ADDRESS})`],
    ["--port-offset <n>", "up: added to declared ports below 1024 (default 0 as root, 10000 otherwise)"],
    ["--client-ip-header <name>", "up: the edge takes the visitor's IP from it, e.g. cf-connecting-ip for npm run loadtest"],
    ["--state-dir <dir>", `where the twin keeps its state (default ${DEFAULT_STATE_DIR})`],
    ["--json", "status: as JSON"],
    ["--rate <n>", "drill: signups per second (default 50)"],
    ["--seconds <n>", "drill: duration (default 30, at least 3; release: 5 before and after, at least 1)"],
    ["--report <file>", "drill, campaign: write the report as JSON"],
    ["--outage <s>", "drill postgres-restart, smtp-down: how long the part stays down"],
    ["--set KEY=VALUE", "drill release: an environment change of the new release (repeatable)"],
    ["--bundle <file>", "drill release: the new release's bundle (default app/dist/server.js)"],
    ["--gate-timeout <s>", "drill release: how long the health gate waits (default 60)"],
  ],
  notes: "It reads no .env: every secret the twin needs is generated fresh.",
  verdictFailed: "check: a check failed; status, check, drill: no twin runs; drill: an acknowledged signup was lost",
  usageError: "bad option, unreadable stack file, invalid config",
  toolFailure: "the twin could not be built from what the program declares, or one of its parts failed (everything started is stopped again)",
});

const DRILLS = ["instance-kill", "postgres-restart", "smtp-down", "release"];

function parse(argv: string[]) {
  const parsed = parseOptions(
    argv,
    {
        stack: { type: "string" },
        instances: { type: "string" },
        summary: { type: "string" },
        "base-address": { type: "string" },
        "state-dir": { type: "string" },
        "port-offset": { type: "string" },
        "config-file": { type: "string" },
        "client-ip-header": { type: "string" },
        rate: { type: "string" },
        seconds: { type: "string" },
        report: { type: "string" },
        outage: { type: "string" },
        "gate-timeout": { type: "string" },
        set: { type: "string", multiple: true },
        bundle: { type: "string" },
        json: { type: "boolean", default: false },
    },
    true,
  );
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  const [command, ...rest] = positionals;
  if (!command) throw new UsageError("a command is required: up, down, status, check, drill or campaign");
  if (!["up", "down", "status", "check", "drill", "campaign"].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}: use up, down, status, check, drill or campaign`);
  const drill = command === "drill" ? rest.shift() : undefined;
  if (command === "drill" && !DRILLS.includes(drill ?? "")) throw new UsageError(`drill needs its name: ${DRILLS.join(", ")}${drill ? `; got ${JSON.stringify(drill)}` : ""}`);
  const scenario = command === "campaign" ? rest.shift() : undefined;
  if (command === "campaign" && !["home", "signup", "apex"].includes(scenario ?? "")) throw new UsageError(`campaign needs its scenario: home, signup or apex${scenario ? `; got ${JSON.stringify(scenario)}` : ""}`);
  // After `--`, campaign passes the rest to npm run loadtest.
  const passThrough = command === "campaign" ? rest.splice(0) : [];
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  if (command !== "drill") {
    for (const k of ["rate", "seconds", "outage", "gate-timeout", "set", "bundle"] as const) if (values[k] !== undefined) throw new UsageError(`--${k} applies to drill only`);
    if (command !== "campaign" && values.report !== undefined) throw new UsageError("--report applies to drill and campaign only");
  } else {
    if (values.outage !== undefined && !["postgres-restart", "smtp-down"].includes(drill!)) throw new UsageError("--outage applies to the postgres-restart and smtp-down drills");
    for (const k of ["gate-timeout", "set", "bundle"] as const) if (values[k] !== undefined && drill !== "release") throw new UsageError(`--${k} applies to the release drill`);
  }
  const int = (name: string, v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return Number(v);
  };
  if (values["client-ip-header"] !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(values["client-ip-header"])) {
    throw new UsageError(`--client-ip-header must be a lower-case header name such as cf-connecting-ip, got ${JSON.stringify(values["client-ip-header"])}`);
  }
  if (command === "up") {
    if (!values.stack) throw new UsageError("--stack is required for up (staging or prod, or the name of a Pulumi.<stack>.yaml)");
    if (!/^[A-Za-z0-9_.-]+$/.test(values.stack)) throw new UsageError(`--stack must be a stack name, got ${JSON.stringify(values.stack)}`);
  } else {
    for (const k of ["stack", "instances", "summary", "base-address", "port-offset", "config-file", "client-ip-header"] as const) {
      if (values[k] !== undefined) throw new UsageError(`--${k} applies to up only`);
    }
  }
  const path = (p: string | undefined) => (p === undefined ? undefined : fromUserDir(p));
  return {
    command: command as "up" | "down" | "status" | "check" | "drill" | "campaign",
    drill,
    scenario: scenario as "home" | "signup" | "apex" | undefined,
    passThrough,
    rate: int("rate", values.rate, 1) ?? 50,
    seconds: int("seconds", values.seconds, drill === "release" ? 1 : 3) ?? (drill === "release" ? 5 : 30),
    outage: int("outage", values.outage, 1),
    gateTimeout: int("gate-timeout", values["gate-timeout"], 1) ?? 60,
    set: values.set ?? [],
    bundle: values.bundle,
    report: path(values.report),
    stack: values.stack ?? "",
    instances: int("instances", values.instances, 1),
    portOffset: int("port-offset", values["port-offset"], 0),
    summary: path(values.summary),
    baseAddress: values["base-address"],
    stateDir: path(values["state-dir"]),
    configFile: path(values["config-file"]),
    clientIpHeader: values["client-ip-header"],
    json: values.json ?? false,
  };
}

type Args = NonNullable<ReturnType<typeof parse>>;

async function runDrill(args: Args, summary: Summary, processes: Array<{ pid: number; what: string; alive: boolean }>, stackFile: string | undefined): Promise<object> {
  const common = { summary, processes, rate: args.rate, seconds: args.seconds };
  if (args.drill === "release") {
    const { releaseDrill, parseSets, groupStem } = await import("./release");
    let set: Record<string, string>;
    try {
      set = parseSets(args.set);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    // The capacity model's minimum of each group, as the program declares it.
    const { evaluateTwinProgram } = await import("./program");
    const program = await evaluateTwinProgram({ stack: summary.stack, configFile: stackFile });
    const minimumByGroup = Object.fromEntries(program.topology.groups.map((g) => [groupStem(g.name), g.minReplicas]));
    return releaseDrill({ summary, processes, rate: args.rate, settleSeconds: args.seconds, gateTimeoutSeconds: args.gateTimeout, set, bundle: args.bundle, minimumByGroup });
  }
  const drills = await import("./drill");
  if (args.drill === "postgres-restart") return drills.postgresRestart({ ...common, outageSeconds: args.outage });
  if (args.drill === "smtp-down") return drills.smtpDown({ ...common, outageSeconds: args.outage });
  return drills.instanceKill(common);
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (!args) {
    processIo.out(USAGE);
    return EXIT.ok;
  }
  if (args.command === "down") {
    await down({ stateDir: args.stateDir });
    return 0;
  }
  if (args.command === "status") {
    const s = status({ stateDir: args.stateDir });
    if (args.json) console.log(JSON.stringify(s, null, 2));
    else if (!s.running) console.log("no twin running");
    else for (const p of s.processes) console.log(`${p.alive ? "running" : "DEAD   "} ${String(p.pid).padStart(7)} ${p.what}`);
    return s.running ? 0 : 1;
  }
  if (args.command === "drill" || args.command === "campaign") {
    const s = status({ stateDir: args.stateDir });
    if (!s.running || !s.summary) {
      processIo.err(`twin: no twin running: start one with npm run twin -- up --stack <s> --instances 2 --client-ip-header cf-connecting-ip`);
      return 1;
    }
    if (args.command === "campaign") {
      const { runCampaign } = await import("./campaign");
      return runCampaign({ summary: s.summary, scenario: args.scenario!, report: args.report, extra: args.passThrough });
    }
    const report = await runDrill(args, s.summary, s.processes, s.stackFile);
    console.log(JSON.stringify(report, null, 2));
    if (args.report) (await import("node:fs")).writeFileSync(args.report, `${JSON.stringify(report, null, 2)}\n`);
    const f = report as { ok: boolean; problems: string[]; sent: number; acknowledged: number; lostAcknowledged: number; duplicated: number; failed: Record<string, number> };
    console.log(`${f.ok ? "ok" : "FAILED"}: drill ${args.drill}: ${f.acknowledged} of ${f.sent} signups acknowledged, ${f.lostAcknowledged} acknowledged signup(s) lost, ${f.duplicated} stored twice; failures ${JSON.stringify(f.failed)}`);
    for (const p of f.problems) console.log(`  - ${p}`);
    return f.ok ? 0 : 1;
  }
  if (args.command === "check") {
    const s = status({ stateDir: args.stateDir });
    if (!s.running || !s.summary) {
      processIo.err("twin: no twin running: start one with npm run twin -- up --stack <s>");
      return 1;
    }
    const { runChecks } = await import("./checks");
    const { readStackFile } = await import("../plan/stack-file");
    // The stack file the twin was built from (a --config-file may ban other countries).
    const edgeConfig = readStackFile(s.stackFile ?? `${REPO_ROOT}/Pulumi.${s.summary.stack}.yaml`).config["renfort:edge"] as { geoBans?: string[] } | undefined;
    const results = await runChecks(s.summary, edgeConfig?.geoBans?.[0]);
    for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.detail}`);
    if (!s.summary.edge) console.log("note: no edge in this twin (tools/twin/edge absent): the checks through Cloudflare's stand-in did not run");
    return results.every((r) => r.ok) ? 0 : 1;
  }
  if (args.baseAddress !== undefined) {
    // Validate before evaluating anything.
    const { addressPlan } = await import("./addresses");
    try {
      addressPlan(args.baseAddress);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const result = await up({
    stack: args.stack,
    configFile: args.configFile,
    instances: args.instances,
    baseAddress: args.baseAddress,
    stateDir: args.stateDir,
    portOffset: args.portOffset,
    summaryFile: args.summary,
    clientIpHeader: args.clientIpHeader,
  });
  const s = result.summary;
  if (result.alreadyRunning) {
    console.log(`the twin of ${s.stack} is already running (state in ${s.stateDir}); run npm run twin -- down first to rebuild it`);
    if (args.summary) (await import("node:fs")).writeFileSync(args.summary, `${JSON.stringify(s, null, 2)}\n`);
    return 0;
  }
  console.log(`\ntwin of ${s.stack} is up: https://${s.hosts.main} (main host), http://${s.hosts.apex} (apex)`);
  console.log(`  trust ${s.caFile}; state ${s.stateDir}; stop it with npm run twin -- down${args.stateDir ? ` --state-dir ${args.stateDir}` : ""}`);
  if (args.summary) console.log(`  summary written to ${args.summary}`);
  return 0;
}

runCommand(
  "twin",
  () =>
    main(process.argv.slice(2)).catch((e: unknown) => {
      if (e instanceof TopologyError) throw new ToolFailure(`the twin cannot be built from what the program declares: ${e.message}`);
      if (e instanceof Error && !(e instanceof UsageError || e instanceof ConfigError || e instanceof StackFileError || e instanceof ToolFailure)) {
        throw new ToolFailure(`the twin failed: ${e.message}`);
      }
      throw e;
    }),
  [ConfigError, StackFileError],
);
