import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { buildBundle } from "../scripts/build";
import { runMigrations } from "../src/migrate";
import { scratchDir } from "../../testing/scratch";

/**
 * Expand/contract, issue 15: during a rollout the previous release's instances keep serving on the
 * schema the new release migrated. So the PREVIOUS release's app, built from git exactly as the image
 * is built (scripts/build.ts over its own src and migrations), runs against a database migrated with
 * THIS tree's migrations, and must pass its contract checks: ready, signup stored (and a duplicate
 * refused, or since double opt-in answered alike), a volunteer it signs up active (it knows nothing of activation), organisation created and validated with the outbox row written, missions listed.
 * A migration that contracts the schema in the same release (a column renamed) must make those
 * checks fail: the second case proves the test can fail.
 *
 * The previous release: RENFORT_PREVIOUS_RELEASE (a git ref) or, by default, the parent of the newest
 * commit that changed app/src or app/migrations. Skipped with a message when git history does not
 * have it (a shallow clone); the server: DATABASE_URL or PG_ADMIN_URL (a superuser), else the local one.
 */

const ROOT = join(__dirname, "..", "..");
const SERVER = process.env.PG_ADMIN_URL ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ADMIN_TOKEN = "expand-contract-admin-token-0123456789abcdef";
const git = (args: string[]): string => execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

function previousRelease(): { ref: string; why: string } | { skip: string } {
  try {
    if (process.env.RENFORT_PREVIOUS_RELEASE) return { ref: git(["rev-parse", "--verify", `${process.env.RENFORT_PREVIOUS_RELEASE}^{commit}`]), why: "RENFORT_PREVIOUS_RELEASE" };
    const newest = git(["rev-list", "-1", "HEAD", "--", "app/src", "app/migrations"]);
    const ref = git(["rev-parse", "--verify", `${newest}^`]);
    git(["cat-file", "-e", `${ref}:app/src/main.ts`]);
    return { ref, why: `parent of ${newest.slice(0, 10)}, the newest commit that changed the app` };
  } catch (e) {
    return { skip: `no previous release in this checkout's git history (${(e as Error).message.split("\n")[0]}); set RENFORT_PREVIOUS_RELEASE or fetch the history` };
  }
}

const previous = previousRelease();
if ("skip" in previous) console.log(`expand-contract.test.ts skipped: ${previous.skip}`);
const maybe = "skip" in previous ? describe.skip : describe;

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function start(bundle: string, databaseUrl: string): Promise<Running> {
  const child = spawn(process.execPath, [bundle, "serve"], {
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: databaseUrl,
      PORT: "0",
      HOST: "127.0.0.1",
      ADMIN_TOKEN,
      RATE_LIMIT_SIGNUP_PER_MINUTE: "100000",
      RATE_LIMIT_WRITE_PER_MINUTE: "100000",
      RATE_LIMIT_READ_PER_MINUTE: "100000",
      // releases that drain on SIGTERM (16 s of /readyz 503 for the load balancers) need not wait here
      SHUTDOWN_DRAIN_MS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the previous release did not start in 20 s:\n${out}`)), 20000);
    const poll = setInterval(() => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(poll);
        clearTimeout(t);
        resolve({ child, url: m[1]!, output: () => out });
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(poll);
      clearTimeout(t);
      reject(new Error(`the previous release exited with ${code}:\n${out}`));
    });
  });
}

/** The previous release's contract, as its users and operators rely on it; returns the failures. */
async function contractChecks(base: string, db: pg.Pool): Promise<string[]> {
  const failures: string[] = [];
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const expectStatus = (what: string, got: number, want: number) => {
    if (got !== want) failures.push(`${what}: ${got}, expected ${want}`);
  };
  expectStatus("GET /readyz", (await call("GET", "/readyz")).status, 200);
  const email = `ec-${randomBytes(4).toString("hex")}@example.org`;
  const signup = await call("POST", "/api/volunteers", { email, firstName: "Camille", lastName: "Martin", zip: "75011" });
  // before double opt-in a signup answered 201 and a duplicate 409; since, every signup answers 202
  // (README, API contract): the previous release is held to its own contract
  const doubleOptIn = signup.status === 202;
  expectStatus("POST /api/volunteers", signup.status, doubleOptIn ? 202 : 201);
  if (signup.status === 201 || doubleOptIn) {
    const stored = await db
      .query<{ active: boolean }>(`SELECT activated_at IS NOT NULL AS active FROM volunteers WHERE lower(email) = lower($1)`, [email])
      .catch(() => ({ rowCount: 0, rows: [] as Array<{ active: boolean }> }));
    if (stored.rowCount !== 1) failures.push("POST /api/volunteers: the volunteer is not stored once");
    // a release that knows nothing of activation must keep making volunteers who can apply
    // (the column's default during the rollout, migration 1766000000000)
    if (!doubleOptIn && stored.rows[0]?.active !== true) failures.push("POST /api/volunteers: the previous release's volunteer is not active");
    expectStatus("POST /api/volunteers (same email again)", (await call("POST", "/api/volunteers", { email, firstName: "C", lastName: "M", zip: "75011" })).status, doubleOptIn ? 202 : 409);
  }
  const org = await call("POST", "/api/organizations", { name: "Asso expand", email: `org-${email}`, zip: "69001" });
  expectStatus("POST /api/organizations", org.status, 201);
  if (org.status === 201) {
    const v = await call("POST", `/api/admin/organizations/${String(org.json.id)}/validate`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expectStatus("POST /api/admin/organizations/:id/validate", v.status, 200);
    const mail = await db.query(`SELECT 1 FROM email_outbox WHERE organization_id = $1`, [org.json.id]).catch(() => ({ rowCount: 0 }));
    if (mail.rowCount !== 1) failures.push("organisation validation: no outbox row for the organisation's mail");
  }
  expectStatus("GET /api/missions?department=75", (await call("GET", "/api/missions?department=75")).status, 200);
  return failures;
}

maybe("the previous release's app on the schema this release's migrations make (expand/contract)", () => {
  const work = scratchDir("renfort-previous-");
  const ref = "ref" in previous ? previous.ref : "";
  let bundle: string;
  const databases: string[] = [];
  const running: Running[] = [];
  let admin: pg.Client;

  beforeAll(async () => {
    // the previous release's app/ from git, built with its own sources and migrations
    execFileSync("sh", ["-c", `git archive ${ref} app tsconfig.base.json | tar -x -C "${work}"`], { cwd: ROOT });
    symlinkSync(join(ROOT, "node_modules"), join(work, "node_modules"));
    if (!existsSync(join(work, "app", "node_modules")) && existsSync(join(ROOT, "app", "node_modules"))) symlinkSync(join(ROOT, "app", "node_modules"), join(work, "app", "node_modules"));
    bundle = await buildBundle(join(work, "app"));
    admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
  }, 120000);

  afterAll(async () => {
    for (const r of running) r.child.kill("SIGKILL");
    for (const d of databases) await admin.query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
    rmSync(work, { recursive: true, force: true });
  });

  /** A fresh database migrated with `dir` (default: this tree's migrations), and a pool on its schema. */
  async function migratedDatabase(dir?: string): Promise<{ url: string; pool: pg.Pool }> {
    const name = `renfort_ec_${randomBytes(5).toString("hex")}`;
    await admin.query(`CREATE DATABASE ${name}`);
    databases.push(name);
    const u = new URL(SERVER);
    u.pathname = `/${name}`;
    await runMigrations(u.toString(), { schema: "renfort", ...(dir ? { dir } : {}) });
    const pool = new pg.Pool({ connectionString: u.toString(), max: 2, options: "-c search_path=renfort" });
    return { url: u.toString(), pool };
  }

  it(`passes its contract checks on the new schema (previous release ${ref.slice(0, 10)}: ${"why" in previous ? previous.why : ""})`, async () => {
    const db = await migratedDatabase();
    try {
      const app = await start(bundle, db.url);
      running.push(app);
      expect(await contractChecks(app.url, db.pool)).toEqual([]);
    } finally {
      await db.pool.end();
    }
  });

  it("fails them when a migration contracts the schema in the same release (a column renamed)", async () => {
    const dir = join(work, "contracting-migrations");
    cpSync(join(ROOT, "app", "migrations"), dir, { recursive: true });
    writeFileSync(join(dir, "9999999999999_rename-volunteer-zip.sql"), "ALTER TABLE volunteers RENAME COLUMN zip TO postal_code;\n");
    const db = await migratedDatabase(dir);
    try {
      const app = await start(bundle, db.url);
      running.push(app);
      const failures = await contractChecks(app.url, db.pool);
      expect(failures.filter((f) => /^POST \/api\/volunteers: 500, expected 20[12]$/.test(f))).toHaveLength(1);
    } finally {
      await db.pool.end();
    }
  });
});
