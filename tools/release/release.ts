/**
 * Release step: run the app's database migrations, then deploy the new image. Never the other way.
 *
 *   npm run release -- --stack prod --image rg.fr-par.scw.cloud/renfort-prod/renfort-app@sha256:<digest>
 *                      [--migrate-command "<shell command>"] [--deploy-command "<shell command>"]
 *                      [--image-config-key renfort:fleet.image.digest] [--policy-pack-config policies/config/prod.json]
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
 * Default migration: `runMigrations(databaseUrl)` exported by app/src/migrate.ts, loaded at run time
 * so this tool does not depend on the app's internals; the URL comes from RENFORT_MIGRATION_DATABASE_URL
 * (a CI secret) and never appears in logs. Default deploy: `pulumi up --yes --stack <s> --config-path
 * --config renfort:fleet.image.digest=<digest>` (https://www.pulumi.com/docs/iac/cli/commands/pulumi_up/);
 * the image must come from the stack's own repository (tools/release/image-ref.ts).
 */
import { spawn } from "child_process";
import { existsSync } from "fs";
import { join } from "path";
import { imageRepositoryForStack, splitImageRef } from "./image-ref";

export interface ReleaseSteps {
  /** Applies pending migrations; rejects on failure. */
  migrate: () => Promise<void>;
  /** Rolls the new image out; rejects on failure. */
  deploy: () => Promise<void>;
  log: (line: string) => void;
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
  steps.log("release: running database migrations (the previous release keeps serving meanwhile)");
  try {
    await steps.migrate();
  } catch (e) {
    steps.log(`release: migrations FAILED: ${message(e)}`);
    steps.log("release: deploy NOT started; the previous release keeps serving. Fix the migration and release again.");
    return { ok: false, stage: "migrate", exitCode: 3 };
  }
  steps.log("release: migrations applied; deploying the new image");
  try {
    await steps.deploy();
  } catch (e) {
    steps.log(`release: deploy FAILED: ${message(e)}`);
    steps.log(
      "release: the schema is migrated but the new image is not rolled out; the previous release serves on the new schema " +
        "(migrations are backward compatible by rule). Re-run the deploy once fixed.",
    );
    return { ok: false, stage: "deploy", exitCode: 4 };
  }
  steps.log("release: done");
  return { ok: true, stage: "done", exitCode: 0 };
}

export interface ReleaseArgs {
  stack: string;
  image: string;
  migrateCommand?: string;
  deployCommand?: string;
  imageConfigKey: string;
  policyPackConfig?: string;
}

export function parseReleaseArgs(argv: string[]): ReleaseArgs {
  const raw: Record<string, string> = {};
  const known = ["--stack", "--image", "--migrate-command", "--deploy-command", "--image-config-key", "--policy-pack-config"];
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!;
    const v = argv[i + 1];
    if (!known.includes(k)) throw new Error(`unknown option ${k}; options: ${known.join(", ")}`);
    if (v === undefined) throw new Error(`${k} needs a value`);
    raw[k] = v;
  }
  const stack = raw["--stack"];
  if (!stack || !/^[a-z0-9-]+$/.test(stack)) throw new Error(`--stack must name a stack (staging or prod), got "${stack ?? ""}"`);
  const image = raw["--image"];
  // pinned by digest: the deploy must be reproducible and a tag can move under it
  if (!image || !splitImageRef(image)) {
    throw new Error(
      `--image must be a registry image pinned by digest, e.g. rg.fr-par.scw.cloud/renfort-prod/renfort-app@sha256:<64 hex>, got "${image ?? ""}" (take the digest output of the image build step)`,
    );
  }
  const out: ReleaseArgs = { stack, image, imageConfigKey: raw["--image-config-key"] ?? "renfort:fleet.image.digest" };
  if (raw["--migrate-command"]) out.migrateCommand = raw["--migrate-command"];
  if (raw["--deploy-command"]) out.deployCommand = raw["--deploy-command"];
  if (raw["--policy-pack-config"]) out.policyPackConfig = raw["--policy-pack-config"];
  return out;
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

/** The default `pulumi up` argv: the stack's image digest set as structured config. */
export function pulumiUpArgs(a: ReleaseArgs): string[] {
  const digest = splitImageRef(a.image)!.digest;
  const args = ["up", "--yes", "--non-interactive", "--stack", a.stack, "--config-path", "--config", `${a.imageConfigKey}=${digest}`];
  if (a.policyPackConfig) args.push("--policy-pack", "policies", "--policy-pack-config", a.policyPackConfig);
  return args;
}

type MigrateModule = { runMigrations?: (databaseUrl: string) => Promise<unknown> };

/** Loads app/src/migrate.ts at run time and calls its `runMigrations(databaseUrl)`. */
export async function migrateWithApp(repoRoot: string, databaseUrl: string | undefined): Promise<void> {
  if (!databaseUrl) {
    throw new Error("RENFORT_MIGRATION_DATABASE_URL is not set: give the release job the migration database URL as a secret, or pass --migrate-command");
  }
  const path = join(repoRoot, "app", "src", "migrate.ts");
  if (!existsSync(path)) throw new Error(`${path} not found: the app must export runMigrations(databaseUrl) from app/src/migrate.ts, or pass --migrate-command`);
  const mod = (await import(path)) as MigrateModule;
  if (typeof mod.runMigrations !== "function") throw new Error("app/src/migrate.ts does not export runMigrations(databaseUrl)");
  await mod.runMigrations(databaseUrl);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, log: (s: string) => void, repoRoot = join(__dirname, "..", "..")): Promise<number> {
  let args: ReleaseArgs;
  try {
    args = parseReleaseArgs(argv);
  } catch (e) {
    log(`release: ${(e as Error).message}`);
    return 2;
  }
  if (!args.deployCommand && existsSync(join(repoRoot, `Pulumi.${args.stack}.yaml`))) {
    // The fleet pulls <its repository>@<digest>: a digest pushed elsewhere would not be found at boot.
    try {
      const expected = imageRepositoryForStack(repoRoot, args.stack);
      const given = splitImageRef(args.image)!.repository;
      if (given !== expected) throw new Error(`--image must come from the ${args.stack} repository ${expected} (renfort:fleet.image in Pulumi.${args.stack}.yaml), got ${given}`);
    } catch (e) {
      log(`release: ${(e as Error).message}`);
      return 2;
    }
  }
  const databaseUrl = env.RENFORT_MIGRATION_DATABASE_URL;
  const childEnv = { ...env, RENFORT_STACK: args.stack, RENFORT_IMAGE: args.image };
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
  const outcome = await runRelease({
    log,
    secrets,
    migrate: args.migrateCommand
      ? () => runProcess("sh", ["-c", args.migrateCommand!], childEnv, repoRoot)
      : () => migrateWithApp(repoRoot, databaseUrl),
    deploy: args.deployCommand
      ? () => runProcess("sh", ["-c", args.deployCommand!], childEnv, repoRoot)
      : () => runProcess("pulumi", pulumiUpArgs(args), childEnv, repoRoot),
  });
  return outcome.exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, (s) => console.log(s)).then((code) => {
    process.exitCode = code;
  });
}
