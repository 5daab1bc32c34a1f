import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { fromUserDir } from "../cli/conventions";
import { main, migrateWithApp, parseReleaseArgs, pulumiUpArgs, redact, runRelease } from "./release";
import { scratchDir } from "../../testing/scratch";

const DIGEST = `sha256:${"ab12".repeat(16)}`;
const IMAGE = `rg.fr-par.scw.cloud/renfort-prod/renfort-app@${DIGEST}`;

describe("runRelease ordering", () => {
  const recorder = (migrateFails: boolean, deployFails = false) => {
    const calls: string[] = [];
    const log: string[] = [];
    const steps = {
      log: (s: string) => log.push(s),
      secrets: ["postgres://admin:s3cr3t-pw@db.internal:5432/renfort", "s3cr3t-pw"],
      migrate: async () => {
        calls.push("migrate:start");
        await new Promise((r) => setTimeout(r, 5));
        if (migrateFails) throw new Error("relation \"volunteers\" already exists (postgres://admin:s3cr3t-pw@db.internal:5432/renfort)");
        calls.push("migrate:end");
      },
      deploy: async () => {
        calls.push("deploy");
        if (deployFails) throw new Error("pulumi exited with 255");
      },
    };
    return { calls, log, steps };
  };

  it("runs the deploy only after the migrations have finished", async () => {
    const r = recorder(false);
    const outcome = await runRelease(r.steps);
    expect(r.calls).toEqual(["migrate:start", "migrate:end", "deploy"]);
    expect(outcome).toEqual({ ok: true, stage: "done", exitCode: 0 });
  });

  it("never calls the deploy when a migration fails, and exits non-zero", async () => {
    const r = recorder(true);
    const outcome = await runRelease(r.steps);
    expect(r.calls).toEqual(["migrate:start"]);
    expect(outcome).toEqual({ ok: false, stage: "migrate", exitCode: 3 });
    expect(r.log.join("\n")).toContain("deploy NOT started; the previous release keeps serving");
  });

  it("masks the database URL and password in logged errors", async () => {
    const r = recorder(true);
    await runRelease(r.steps);
    const text = r.log.join("\n");
    expect(text).not.toContain("s3cr3t-pw");
    expect(text).toContain("[secret]");
  });

  it("reports a failed deploy after successful migrations as a tool failure (exit 3)", async () => {
    const r = recorder(false, true);
    expect(await runRelease(r.steps)).toEqual({ ok: false, stage: "deploy", exitCode: 3 });
  });

  it("redacts credentials in any postgres URL", () => {
    expect(redact("connect postgresql://u:other@h/db failed", [])).toBe("connect postgresql://u:[secret]@h/db failed");
  });
});

describe("release arguments", () => {
  it("requires an image pinned by digest", () => {
    expect(() => parseReleaseArgs(["--stack", "prod", "--image", "rg.fr-par.scw.cloud/renfort/app:latest"])).toThrow(/pinned by digest/);
    expect(() => parseReleaseArgs(["--image", IMAGE])).toThrow(/--stack/);
    expect(() => parseReleaseArgs(["--stack", "prod", "--image", IMAGE, "--force", "x"])).toThrow(/Unknown option .--force./);
  });

  it("builds the pulumi up command reading the digest the release wrote into the stack file", () => {
    const a = parseReleaseArgs(["--stack", "prod", "--image", IMAGE, "--policy-pack-config", "policies/config/prod.json"]);
    // a path the user typed is resolved from where npm ran (INIT_CWD); pulumi runs from the repository root
    expect(pulumiUpArgs(a)).toEqual(["up", "--yes", "--non-interactive", "--stack", "prod", "--policy-pack", "policies", "--policy-pack-config", fromUserDir("policies/config/prod.json")]);
  });

  it("with --no-write-back passes the image digest as structured config instead", () => {
    const a = parseReleaseArgs(["--stack", "prod", "--image", IMAGE, "--no-write-back"]);
    expect(pulumiUpArgs(a)).toEqual(["up", "--yes", "--non-interactive", "--stack", "prod", "--config-path", "--config", `renfort:fleet.image.digest=${DIGEST}`]);
  });

  it.each([
    [["--stack", "prod", "--migrate-only"], { mode: "migrate-only", schema: "renfort" }],
    [["--stack", "prod", "--migrate-only", "--schema", "app_v2"], { mode: "migrate-only", schema: "app_v2" }],
    [["--stack", "prod", "--check", "--min-healthy", "3", "--lb", "fr-par-1/11111111-2222-3333-4444-555555555555"], { mode: "check" }],
  ])("parses %j", (argv, expected) => {
    expect(parseReleaseArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [["--stack", "prod", "--migrate-only", "--image", IMAGE], /--image is for a full release/],
    [["--stack", "prod", "--migrate-only", "--check"], /separate steps/],
    [["--stack", "prod", "--migrate-only", "--schema", "Public"], /--schema must be a lower-case PostgreSQL identifier/],
    [["--stack", "prod", "--check", "--min-healthy", "0"], /--min-healthy must be an integer >= 1/],
    [["--stack", "prod", "--check", "--connect-to", "www.x.fr"], /--connect-to must be <host>=<address>:<port>/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseReleaseArgs(argv)).toThrow(message);
  });
});

describe("release CLI with injected commands", () => {
  const dir = scratchDir("renfort-release-");
  const marker = join(dir, "deployed");
  const run = async (migrate: string) => {
    const log: string[] = [];
    const code = await main(
      ["--stack", "staging", "--image", IMAGE, "--migrate-command", migrate, "--deploy-command", `echo "$RENFORT_STACK $RENFORT_IMAGE" > ${marker}`],
      { PATH: process.env.PATH },
      (s) => log.push(s),
      dir,
    );
    return { code, log };
  };

  it("a failing migration command never runs the deploy command: exit 3 (tool failure), told on stderr", async () => {
    const errors: string[] = [];
    const code = await main(
      ["--stack", "staging", "--image", IMAGE, "--migrate-command", "exit 7", "--deploy-command", `touch ${marker}`],
      { PATH: process.env.PATH },
      () => undefined,
      dir,
      (s) => errors.push(s),
    );
    expect(code).toBe(3);
    expect(errors.join("\n")).toMatch(/release: migrations FAILED: command exited with 7\n.*deploy NOT started/);
    expect(existsSync(marker)).toBe(false);
  });

  it("a passing migration command is followed by the deploy with the image", async () => {
    const { code } = await run("true");
    expect(code).toBe(0);
    expect(readFileSync(marker, "utf8").trim()).toBe(`staging ${IMAGE}`);
  });
});

describe("image of the stack's own repository", () => {
  const root = scratchDir("renfort-release-stackfile-");
  writeFileSync(
    join(root, "Pulumi.prod.yaml"),
    "config:\n  renfort:scaleway:\n    region: fr-par\n  renfort:fleet:\n    image:\n      namespace: renfort-prod\n      repository: renfort-app\n",
  );
  const run = async (image: string) => {
    const log: string[] = [];
    const code = await main(["--stack", "prod", "--image", image, "--migrate-command", "exit 9"], { PATH: process.env.PATH }, (s) => log.push(s), root);
    return { code, log: log.join("\n") };
  };

  it("refuses an image pushed to another repository before running anything", async () => {
    const r = await run(`rg.fr-par.scw.cloud/renfort-staging/renfort-app@${DIGEST}`);
    expect(r.code).toBe(2);
    expect(r.log).toContain("--image must come from the prod repository rg.fr-par.scw.cloud/renfort-prod/renfort-app");
  });

  it("accepts the stack's repository (and then runs the migration, failing here on purpose)", async () => {
    expect((await run(IMAGE)).code).toBe(3);
  });
});

describe("default migration through app/src/migrate.ts", () => {
  it("calls runMigrations with the database URL and the app's schema (never node-pg-migrate's default, public)", async () => {
    const root = scratchDir("renfort-release-app-");
    mkdirSync(join(root, "app", "src"), { recursive: true });
    writeFileSync(
      join(root, "app", "src", "migrate.ts"),
      "export async function runMigrations(url: string, opts: unknown) { (globalThis as Record<string, unknown>).__renfortMigrated = [url, opts]; return []; }\n",
    );
    await migrateWithApp(root, "postgres://u:p@h/db");
    rmSync(root, { recursive: true, force: true });
    expect((globalThis as { __renfortMigrated?: unknown[] }).__renfortMigrated).toEqual(["postgres://u:p@h/db", expect.objectContaining({ schema: "renfort" })]);
  });

  it("refuses a migration URL whose TLS parameters libpq and node-postgres would read differently, before connecting", async () => {
    const root = join(__dirname, "..", "..");
    await expect(migrateWithApp(root, "postgres://m:pw@127.0.0.1:1/renfort?sslmode=verify-ca")).rejects.toThrow(
      "the migration database URL is not usable: sslmode=verify-ca needs sslrootcert=<path of the CA certificate file>",
    );
    await expect(migrateWithApp(root, "postgres://m:pw@127.0.0.1:1/renfort?sslmode=verify-full&sslrootcert=database-ca-missing.pem")).rejects.toThrow(
      /sslrootcert database-ca-missing.pem cannot be read \(ENOENT\)/,
    );
  });

  it("names the secret to set when the URL is missing", async () => {
    await expect(migrateWithApp(__dirname, undefined)).rejects.toThrow(/RENFORT_MIGRATION_DATABASE_URL is not set/);
  });
});
