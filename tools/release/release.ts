/**
 * Release step: run the app's database migrations, then deploy the new image. Never the other way.
 *
 *   npm run release -- --stack prod --image rg.fr-par.scw.cloud/renfort-prod/renfort-app@sha256:<digest>
 *                      [--migrate-command "<shell command>"] [--deploy-command "<shell command>"] [--schema renfort]
 *                      [--no-write-back] [--image-config-key renfort:fleet.image.digest] [--policy-pack-config policies/config/prod.json]
 *   npm run release -- --stack prod --migrate-only              migrations alone (URL from RENFORT_MIGRATION_DATABASE_URL)
 *   npm run release -- --stack prod --check --outputs o.json    post-deploy check (post-deploy-check.ts)
 *
 * Exit codes (tools/cli/conventions.ts): 0 ok; 1 a post-deploy check failed (--check); 2 usage or input
 * error; 3 the migrations failed (deploy not started) or the deploy failed after them (the log says which).
 *
 * Why this order, and what it requires of migrations:
 * - Migrations run while the previous release still serves traffic. If they fail, the deploy is not
 *   attempted and the exit code is non-zero: the previous release keeps serving, unchanged.
 * - If the deploy fails after migrations succeeded, the previous release serves on the new schema.
 *   Hence every migration must be backward compatible with the release before it (expand/contract):
 *   add columns nullable or with defaults, add tables and indexes (CONCURRENTLY), backfill in batches;
 *   drop or rename only in a later release, once no running code reads the old shape.
 *   https://www.prisma.io/dataguide/types/relational/expand-and-contract-pattern
 *
 * Default migration: `runMigrations(databaseUrl, { schema })` exported by app/src/migrate.ts, loaded at
 * run time so this tool does not depend on the app's internals, into the access model's schema
 * (`renfort`); the URL comes from RENFORT_MIGRATION_DATABASE_URL (a CI secret) and never appears in
 * logs. Default deploy: the digest is written into Pulumi.<stack>.yaml (digest-writeback.ts), then
 * `pulumi up --yes --stack <s>` (https://www.pulumi.com/docs/iac/cli/commands/pulumi_up/) reads it
 * there; the image must come from the stack's own repository (tools/release/image-ref.ts).
 */
import { spawn } from "child_process";
import { existsSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { APP_SCHEMA } from "../../components/database/access-model";
import { EXIT, UsageError, fromUserDir, parseOptions, processIo, renderHelp, runCommand } from "../cli/conventions";
import { writeImageDigest } from "./digest-writeback";
import { imageRepositoryForStack, splitImageRef } from "./image-ref";
import { fromStackOutputs, parseLoadBalancerRef, readCa, runPostDeployCheck, type CheckOptions } from "./post-deploy-check";

export interface ReleaseSteps {
  /** Applies pending migrations; rejects on failure. */
  migrate: () => Promise<void>;
  /** Rolls the new image out; rejects on failure. */
  deploy: () => Promise<void>;
  log: (line: string) => void;
  /** Where failures are told (stderr); default: log. */
  error?: (line: string) => void;
  /** Values to mask in any logged error (database URL, password). */
  secrets?: string[];
}

export interface ReleaseOutcome {
  ok: boolean;
  /** Last stage reached. */
  stage: "migrate" | "deploy" | "done";
  exitCode: number;
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("[secret]");
  // URLs with credentials that were not passed in (e.g. rewritten by a driver)
  return out.replace(/(postgres(?:ql)?:\/\/[^:/\s]+:)[^@\s]+@/gi, "$1[secret]@");
}

/** Migrations first; the deploy runs only after they succeed. */
export async function runRelease(steps: ReleaseSteps): Promise<ReleaseOutcome> {
  const secrets = steps.secrets ?? [];
  const message = (e: unknown) => redact(e instanceof Error ? e.message : String(e), secrets);
  const error = steps.error ?? steps.log;
  steps.log("release: running database migrations (the previous release keeps serving meanwhile)");
  try {
    await steps.migrate();
  } catch (e) {
    error(`release: migrations FAILED: ${message(e)}`);
    error("release: deploy NOT started; the previous release keeps serving. Fix the migration and release again.");
    return { ok: false, stage: "migrate", exitCode: EXIT.toolFailure };
  }
  steps.log("release: migrations applied; deploying the new image");
  try {
    await steps.deploy();
  } catch (e) {
    error(`release: deploy FAILED: ${message(e)}`);
    error(
      "release: the schema is migrated but the new image is not rolled out; the previous release serves on the new schema " +
        "(migrations are backward compatible by rule). Re-run the deploy once fixed.",
    );
    return { ok: false, stage: "deploy", exitCode: EXIT.toolFailure };
  }
  steps.log("release: done");
  return { ok: true, stage: "done", exitCode: EXIT.ok };
}

export type ReleaseMode = "release" | "migrate-only" | "check";

export interface ReleaseArgs {
  stack: string;
  mode: ReleaseMode;
  /** release mode only */
  image: string;
  migrateCommand?: string;
  deployCommand?: string;
  imageConfigKey: string;
  policyPackConfig?: string;
  /** Schema of the app's tables and of node-pg-migrate's pgmigrations table. Default: the access model's. */
  schema: string;
  /** release mode: do not write the digest into Pulumi.<stack>.yaml. */
  noWriteBack: boolean;
  /** check mode */
  check: {
    mainHost?: string;
    apexHost?: string;
    minHealthy?: number;
    loadBalancers: string[];
    outputsFile?: string;
    connectTo: Record<string, string>;
    caFile?: string;
    scwApiUrl?: string;
    skipBackends: boolean;
    waitSeconds: number;
  };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const HELP = renderHelp({
  usage: [
    "npm run release -- --stack <s> --image <registry>/<namespace>/<repository>@sha256:<digest> [--migrate-command <sh>]",
    "                   [--deploy-command <sh>] [--schema renfort] [--no-write-back] [--image-config-key <key>]",
    "                   [--policy-pack-config policies/config/<s>.json]",
    "npm run release -- --stack <s> --migrate-only [--migrate-command <sh>] [--schema renfort]",
    "npm run release -- --stack <s> --check [--outputs <pulumi stack output --json>] [--main-host h] [--apex-host h]",
    "                   [--min-healthy N] [--lb <zone>/<id>]... [--connect-to <host>=<address>:<port>]...",
    "                   [--ca-file <pem>] [--scw-api-url <url>] [--skip-backends] [--wait-seconds N]",
  ],
  summary: `Release step: the app's database migrations first (the previous release keeps serving), then the
deploy of the image pinned by digest (written into Pulumi.<s>.yaml, then pulumi up). A failed migration
never starts the deploy. --migrate-only runs the migrations alone; --check is the post-deploy check
(every backend holds its minimum of healthy servers, healthy meaning ready: the load balancers check
/readyz, database included; /healthz 200 and /readyz refused with 403 through the main host; the apex
301 exact).`,
  options: [
    ["--stack <name>", "the stack (required)"],
    ["--image <ref>", "release: the image, pinned by digest, from the stack's own repository"],
    ["--migrate-command <sh>", "run this shell command instead of the app's runMigrations (app/src/migrate.ts)"],
    ["--deploy-command <sh>", "run this shell command instead of pulumi up"],
    ["--schema <name>", `schema of the app's tables and of pgmigrations (default ${APP_SCHEMA})`],
    ["--no-write-back", "do not write the digest into Pulumi.<s>.yaml; pass it to pulumi up as config"],
    ["--image-config-key <key>", "config key of the digest with --no-write-back (default renfort:fleet.image.digest)"],
    ["--policy-pack-config <f>", "pulumi up with the policy pack (policies/) and this config"],
    ["--migrate-only", "the migrations alone"],
    ["--check", "the post-deploy check"],
    ["--outputs <file>", "check: pulumi stack output --json (load balancers, capacity.minInstances)"],
    ["--main-host, --apex-host", "check: the hosts (default: renfort:domain.mainHost and .apex of the stack file)"],
    ["--min-healthy <n>", "check: healthy servers each backend needs (default: from --outputs)"],
    ["--lb <zone>/<id>", "check: a load balancer (repeatable; default: from --outputs)"],
    ["--connect-to <h>=<a>:<p>", "check: reach host h at address a, port p (repeatable)"],
    ["--ca-file <pem>", "check: trust this CA"],
    ["--scw-api-url <url>", "check: the Scaleway API (default https://api.scaleway.com)"],
    ["--skip-backends", "check: skip the backends' health"],
    ["--wait-seconds <n>", "check: retry every 5 s for up to n seconds (0 to 3600, default 0)"],
  ],
  environment: [
    ["RENFORT_MIGRATION_DATABASE_URL", "the migrator's database URL (never logged)"],
    ["SCW_SECRET_KEY", "check: reads the backends' health through the Scaleway API; pulumi up needs it too"],
    ["PULUMI_CONFIG_PASSPHRASE, ...", "whatever pulumi up needs (README.md, Deploying for real)"],
  ],
  verdictFailed: "--check: a post-deploy check failed",
  usageError: "bad option, an image not pinned by digest or from another repository, unreadable --outputs",
  toolFailure: "the migrations failed (the deploy was not started), or the deploy failed after them",
});

/** The command line, or undefined for --help. Throws UsageError naming the option and the fix. */
export function parseReleaseCommandLine(argv: string[]): ReleaseArgs | undefined {
  const { values } = parseOptions(argv, {
    stack: { type: "string" },
    image: { type: "string" },
    "migrate-command": { type: "string" },
    "deploy-command": { type: "string" },
    "image-config-key": { type: "string" },
    "policy-pack-config": { type: "string" },
    schema: { type: "string" },
    "main-host": { type: "string" },
    "apex-host": { type: "string" },
    "min-healthy": { type: "string" },
    lb: { type: "string", multiple: true },
    outputs: { type: "string" },
    "connect-to": { type: "string", multiple: true },
    "ca-file": { type: "string" },
    "scw-api-url": { type: "string" },
    "wait-seconds": { type: "string" },
    "migrate-only": { type: "boolean", default: false },
    check: { type: "boolean", default: false },
    "no-write-back": { type: "boolean", default: false },
    "skip-backends": { type: "boolean", default: false },
  });
  if (values.help) return undefined;
  const raw: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === "string") raw[`--${k}`] = v;
  for (const k of ["--outputs", "--ca-file", "--policy-pack-config"]) if (raw[k] !== undefined) raw[k] = fromUserDir(raw[k]);
  const lists: Record<string, string[]> = { "--lb": values.lb ?? [], "--connect-to": values["connect-to"] ?? [] };
  const flags = new Set(["migrate-only", "check", "no-write-back", "skip-backends"].filter((f) => values[f as "check"] === true).map((f) => `--${f}`));
  const stack = raw["--stack"];
  if (!stack || !/^[a-z0-9-]+$/.test(stack)) throw new UsageError(`--stack must name a stack (staging or prod), got "${stack ?? ""}"`);
  if (flags.has("--migrate-only") && flags.has("--check")) throw new UsageError("--migrate-only and --check are separate steps: run one, then the other");
  const mode: ReleaseMode = flags.has("--migrate-only") ? "migrate-only" : flags.has("--check") ? "check" : "release";
  const schema = raw["--schema"] ?? APP_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) throw new UsageError(`--schema must be a lower-case PostgreSQL identifier such as ${APP_SCHEMA}, got "${schema}"`);
  const image = raw["--image"];
  if (mode === "release") {
    // pinned by digest: the deploy must be reproducible and a tag can move under it
    if (!image || !splitImageRef(image)) {
      throw new UsageError(
        `--image must be a registry image pinned by digest, e.g. rg.fr-par.scw.cloud/renfort-prod/renfort-app@sha256:<64 hex>, got "${image ?? ""}" (take the digest output of the image build step)`,
      );
    }
  } else if (image !== undefined) {
    throw new UsageError(`--image is for a full release; --${mode} does not deploy an image`);
  }
  const connectTo: Record<string, string> = {};
  for (const c of lists["--connect-to"]!) {
    const m = /^([A-Za-z0-9.-]+)=(.+:\d+)$/.exec(c);
    if (!m) throw new UsageError(`--connect-to must be <host>=<address>:<port>, e.g. www.renfort.test=127.0.0.2:443, got "${c}"`);
    connectTo[m[1]!.toLowerCase()] = m[2]!;
  }
  let minHealthy: number | undefined;
  if (raw["--min-healthy"] !== undefined) {
    minHealthy = Number(raw["--min-healthy"]);
    if (!Number.isInteger(minHealthy) || minHealthy < 1) throw new UsageError(`--min-healthy must be an integer >= 1, got "${raw["--min-healthy"]}"`);
  }
  const waitSeconds = raw["--wait-seconds"] === undefined ? 0 : Number(raw["--wait-seconds"]);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600) throw new UsageError(`--wait-seconds must be an integer from 0 to 3600, got "${raw["--wait-seconds"]}"`);
  const out: ReleaseArgs = {
    stack,
    mode,
    image: image ?? "",
    imageConfigKey: raw["--image-config-key"] ?? "renfort:fleet.image.digest",
    schema,
    noWriteBack: flags.has("--no-write-back"),
    check: {
      loadBalancers: lists["--lb"]!,
      connectTo,
      skipBackends: flags.has("--skip-backends"),
      waitSeconds,
      ...(raw["--main-host"] ? { mainHost: raw["--main-host"] } : {}),
      ...(raw["--apex-host"] ? { apexHost: raw["--apex-host"] } : {}),
      ...(minHealthy !== undefined ? { minHealthy } : {}),
      ...(raw["--outputs"] ? { outputsFile: raw["--outputs"] } : {}),
      ...(raw["--ca-file"] ? { caFile: raw["--ca-file"] } : {}),
      ...(raw["--scw-api-url"] ? { scwApiUrl: raw["--scw-api-url"] } : {}),
    },
  };
  if (raw["--migrate-command"]) out.migrateCommand = raw["--migrate-command"];
  if (raw["--deploy-command"]) out.deployCommand = raw["--deploy-command"];
  if (raw["--policy-pack-config"]) out.policyPackConfig = raw["--policy-pack-config"];
  return out;
}


/** The command line of a release (not --help). Throws UsageError naming the option and the fix. */
export function parseReleaseArgs(argv: string[]): ReleaseArgs {
  const args = parseReleaseCommandLine(argv);
  if (!args) throw new UsageError("--help asks for the help text, not a release");
  return args;
}

/** Runs a process with inherited output; rejects on a non-zero exit. */
export function runProcess(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("close", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${file === "sh" ? "command" : file} exited with ${code ?? signal}`)),
    );
  });
}

/**
 * The default `pulumi up` argv. The digest is read from Pulumi.<stack>.yaml, where the release wrote
 * it (digest-writeback.ts); with --no-write-back it is passed as structured config instead.
 */
export function pulumiUpArgs(a: ReleaseArgs, digestInStackFile = !a.noWriteBack): string[] {
  const digest = splitImageRef(a.image)!.digest;
  const args = ["up", "--yes", "--non-interactive", "--stack", a.stack];
  if (!digestInStackFile) args.push("--config-path", "--config", `${a.imageConfigKey}=${digest}`);
  if (a.policyPackConfig) args.push("--policy-pack", "policies", "--policy-pack-config", a.policyPackConfig);
  return args;
}

type MigrateModule = { runMigrations?: (databaseUrl: string, opts: { schema: string; log?: (m: string) => void }) => Promise<string[] | unknown> };

/**
 * Loads app/src/migrate.ts at run time and calls `runMigrations(databaseUrl, { schema })`: the
 * migrations and node-pg-migrate's `pgmigrations` table go into the app's schema (`renfort`, owned by
 * the migrator), never into `public`, where the migrator may not create on PostgreSQL 15+
 * (components/database/README.md). The URL accepts libpq's sslmode / sslrootcert (app/src/db.ts).
 */
export async function migrateWithApp(repoRoot: string, databaseUrl: string | undefined, schema: string = APP_SCHEMA, log: (line: string) => void = () => undefined): Promise<string[]> {
  if (!databaseUrl) {
    throw new Error("RENFORT_MIGRATION_DATABASE_URL is not set: give the release job the migration database URL as a secret, or pass --migrate-command");
  }
  const path = join(repoRoot, "app", "src", "migrate.ts");
  if (!existsSync(path)) throw new Error(`${path} not found: the app must export runMigrations(databaseUrl, { schema }) from app/src/migrate.ts, or pass --migrate-command`);
  const mod = (await import(path)) as MigrateModule;
  if (typeof mod.runMigrations !== "function") throw new Error("app/src/migrate.ts does not export runMigrations(databaseUrl, { schema })");
  const ran = await mod.runMigrations(databaseUrl, { schema, log: (m) => log(`release: ${m}`) });
  return Array.isArray(ran) ? (ran as string[]) : [];
}

/** Writes the image digest into Pulumi.<stack>.yaml (byte-preserving); returns the digest it replaced. */
export function writeDigestToStackFile(repoRoot: string, stack: string, image: string, log: (line: string) => void): void {
  const file = join(repoRoot, `Pulumi.${stack}.yaml`);
  const digest = splitImageRef(image)!.digest;
  const r = writeImageDigest(readFileSync(file, "utf8"), file, digest);
  if (!r.changed) {
    log(`release: Pulumi.${stack}.yaml already names ${digest}`);
    return;
  }
  writeFileSync(file, r.text);
  log(`release: wrote renfort:fleet.image.digest ${digest} into Pulumi.${stack}.yaml (was ${r.previous ?? "unset"}); commit it so drift checks and later \`pulumi up\` keep this image`);
}

function secretsOf(databaseUrl: string | undefined, scwSecretKey: string | undefined): string[] {
  const secrets: string[] = [];
  if (databaseUrl) {
    secrets.push(databaseUrl);
    try {
      const pw = new URL(databaseUrl).password;
      if (pw) secrets.push(decodeURIComponent(pw));
    } catch {
      // not a URL: the whole value is masked already
    }
  }
  if (scwSecretKey) secrets.push(scwSecretKey);
  return secrets;
}

/** Hosts of the stack from Pulumi.<stack>.yaml (`renfort:domain.mainHost`, `.apex`), when present. */
function stackHosts(repoRoot: string, stack: string): { mainHost?: string; apexHost?: string } {
  const file = join(repoRoot, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return {};
  const doc = parse(readFileSync(file, "utf8")) as { config?: Record<string, { mainHost?: unknown; apex?: unknown }> } | null;
  const d = doc?.config?.["renfort:domain"];
  return {
    ...(typeof d?.mainHost === "string" ? { mainHost: d.mainHost } : {}),
    ...(typeof d?.apex === "string" ? { apexHost: d.apex } : {}),
  };
}

/** `--check`: the post-deploy check; exit 0 when every check passes, 1 when one fails, 2 on bad input. */
export async function runCheck(
  args: ReleaseArgs,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  repoRoot: string,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
  error: (line: string) => void = log,
): Promise<number> {
  let options: CheckOptions;
  try {
    const c = args.check;
    const hosts = stackHosts(repoRoot, args.stack);
    const fromOutputs = c.outputsFile ? fromStackOutputs(readFileSync(c.outputsFile, "utf8"), c.outputsFile) : { loadBalancers: [] };
    const mainHost = c.mainHost ?? hosts.mainHost;
    const apexHost = c.apexHost ?? hosts.apexHost;
    if (!mainHost || !apexHost) throw new Error(`no main host or apex: set renfort:domain.mainHost and .apex in Pulumi.${args.stack}.yaml or pass --main-host and --apex-host`);
    // --min-healthy overrides every backend's minimum; otherwise each load balancer's from the outputs.
    const loadBalancers = c.loadBalancers.length > 0 ? c.loadBalancers.map(parseLoadBalancerRef) : fromOutputs.loadBalancers.map((lb) => (c.minHealthy === undefined ? lb : { ...lb, minHealthy: c.minHealthy }));
    const everyMinimumKnown = loadBalancers.length > 0 && loadBalancers.every((lb) => lb.minHealthy !== undefined);
    if (c.minHealthy === undefined && !everyMinimumKnown && !c.skipBackends) {
      throw new Error("no minimum of healthy servers: pass --outputs <pulumi stack output --json> (its loadBalancers[].minHealthyPerBackend) or --min-healthy N");
    }
    options = {
      mainHost,
      apexHost,
      minHealthy: c.minHealthy ?? 1,
      loadBalancers,
      skipBackends: c.skipBackends,
      connectTo: c.connectTo,
      ...(c.caFile ? { ca: readCa(c.caFile) } : {}),
      ...(c.scwApiUrl ? { scwApiUrl: c.scwApiUrl } : {}),
      ...(env.SCW_SECRET_KEY ? { scwSecretKey: env.SCW_SECRET_KEY } : {}),
    };
  } catch (e) {
    error(`release: check: ${(e as Error).message}`);
    return EXIT.usage;
  }
  const secrets = secretsOf(undefined, env.SCW_SECRET_KEY);
  const deadline = Date.now() + args.check.waitSeconds * 1000;
  for (;;) {
    const results = await runPostDeployCheck(options);
    const failed = results.filter((r) => !r.ok);
    if (failed.length === 0 || Date.now() >= deadline) {
      for (const r of results) (r.ok ? log : error)(redact(`release: check ${r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.detail}`, secrets));
      if (failed.length === 0) {
        log("release: post-deploy check passed");
        return EXIT.ok;
      }
      error(`release: post-deploy check FAILED (${failed.length} of ${results.length}): ${failed.map((r) => r.name).join("; ")}`);
      return EXIT.verdictFailed;
    }
    await sleep(5000);
  }
}

/** Progress goes to `log` (stdout), failures to `error` (stderr). Returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, log: (s: string) => void, repoRoot = join(__dirname, "..", ".."), error: (s: string) => void = log): Promise<number> {
  let parsed: ReleaseArgs | undefined;
  try {
    parsed = parseReleaseCommandLine(argv);
  } catch (e) {
    error(`release: ${(e as Error).message}`);
    error("(npm run release -- --help lists the options)");
    return EXIT.usage;
  }
  if (!parsed) {
    log(HELP);
    return EXIT.ok;
  }
  const args = parsed;
  if (args.mode === "check") return runCheck(args, env, log, repoRoot, undefined, error);
  const databaseUrl = env.RENFORT_MIGRATION_DATABASE_URL;
  const secrets = secretsOf(databaseUrl, env.SCW_SECRET_KEY);
  if (args.mode === "migrate-only") {
    log(`release: migrations only, into schema ${args.schema}`);
    try {
      const ran = args.migrateCommand
        ? (await runProcess("sh", ["-c", args.migrateCommand], { ...env, RENFORT_STACK: args.stack }, repoRoot), [])
        : await migrateWithApp(repoRoot, databaseUrl, args.schema, log);
      log(ran.length > 0 ? `release: applied ${ran.length} migration(s): ${ran.join(", ")}` : "release: migrations already current");
      return EXIT.ok;
    } catch (e) {
      error(`release: migrations FAILED: ${redact(e instanceof Error ? e.message : String(e), secrets)}`);
      return EXIT.toolFailure;
    }
  }
  const stackFile = join(repoRoot, `Pulumi.${args.stack}.yaml`);
  if (!args.deployCommand && existsSync(stackFile)) {
    // The fleet pulls <its repository>@<digest>: a digest pushed elsewhere would not be found at boot.
    try {
      const expected = imageRepositoryForStack(repoRoot, args.stack);
      const given = splitImageRef(args.image)!.repository;
      if (given !== expected) throw new Error(`--image must come from the ${args.stack} repository ${expected} (renfort:fleet.image in Pulumi.${args.stack}.yaml), got ${given}`);
    } catch (e) {
      error(`release: ${(e as Error).message}`);
      return EXIT.usage;
    }
  }
  const writeBack = !args.noWriteBack && existsSync(stackFile);
  const childEnv = { ...env, RENFORT_STACK: args.stack, RENFORT_IMAGE: args.image };
  const outcome = await runRelease({
    log,
    error,
    secrets,
    migrate: args.migrateCommand
      ? () => runProcess("sh", ["-c", args.migrateCommand!], childEnv, repoRoot)
      : async () => {
          await migrateWithApp(repoRoot, databaseUrl, args.schema, log);
        },
    deploy: async () => {
      if (writeBack) writeDigestToStackFile(repoRoot, args.stack, args.image, log);
      if (args.deployCommand) await runProcess("sh", ["-c", args.deployCommand], childEnv, repoRoot);
      else await runProcess("pulumi", pulumiUpArgs(args, writeBack), childEnv, repoRoot);
    },
  });
  return outcome.exitCode;
}

if (require.main === module) {
  runCommand("release", () => main(process.argv.slice(2), process.env, processIo.out, undefined, processIo.err));
}
