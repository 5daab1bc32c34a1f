/**
 * The release's migrations against a REAL PostgreSQL server, as the migrator role the access model
 * makes, exactly as in production: a non-superuser admin applied the access model (schema `renfort`
 * owned by the migrator, nothing in `public`), then the release tool runs the app's migrations with
 * the migrator's URL from RENFORT_MIGRATION_DATABASE_URL.
 *
 * Server: PG_ADMIN_URL, a superuser (default postgres://postgres@127.0.0.1:5432/postgres). Skipped with
 * a message when none answers, except under CI (CI=true), where that fails.
 */
import { spawnSync } from "child_process";
import { join } from "path";
import { Client } from "pg";
import { migrationNames } from "../../app/src/migrate";
import { main } from "./release";
import { createScalewayLikeDatabase, type ScalewayLikeDatabase } from "./scaleway-like-database";
import { releaseCli } from "./testing/cli";

const ADMIN_URL = process.env.PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const IN_CI = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";
const ROOT = join(__dirname, "..", "..");
const DIGEST = `sha256:${"cd34".repeat(16)}`;

function probe(): string | undefined {
  const script = `const { Client } = require("pg");
    const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.end()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", script, ADMIN_URL], { cwd: __dirname, encoding: "utf8", timeout: 10000 });
  return r.status === 0 ? undefined : (r.stderr || `exit ${String(r.status)}`).trim();
}

const unreachable = probe();
if (unreachable !== undefined && IN_CI) {
  test("a PostgreSQL server is reachable (required under CI)", () => {
    throw new Error(`CI is set but no PostgreSQL server answers: ${unreachable}`);
  });
} else if (unreachable !== undefined) {
  console.warn(`SKIPPED migrate-only.pg.test.ts: no PostgreSQL server (${unreachable}). Set PG_ADMIN_URL or start the local server.`);
  test.skip("release migrations against a real server (no server reachable)", () => undefined);
} else {
  describe("release migrations as the access model's migrator on a real server", () => {
    let db: ScalewayLikeDatabase;
    let root: Client;
    beforeAll(async () => {
      db = await createScalewayLikeDatabase(ADMIN_URL);
      root = new Client({ connectionString: ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${db.names.database}$1`) });
      await root.connect();
    });
    afterAll(async () => {
      await root?.end();
      await db?.drop();
    });

    const tables = async (schema: string) =>
      (await root.query<{ t: string; o: string }>(`SELECT tablename AS t, tableowner AS o FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema])).rows;

    it("the full release runs the migrations in the renfort schema before the deploy (never public.pgmigrations)", async () => {
      const log: string[] = [];
      const code = await main(
        ["--stack", "staging", "--image", `rg.fr-par.scw.cloud/renfort-staging/renfort-app@${DIGEST}`, "--deploy-command", "true", "--no-write-back"],
        { PATH: process.env.PATH, RENFORT_MIGRATION_DATABASE_URL: db.urls.migrator },
        (s) => log.push(s),
        ROOT,
      );
      expect({ code, log: log.join("\n") }).toEqual({ code: 0, log: expect.stringContaining("release: done") });
      expect(log.join("\n")).not.toContain(db.passwords.migrator);
      const rows = await tables("renfort");
      expect(rows.map((r) => r.t)).toEqual(expect.arrayContaining(["pgmigrations", "volunteers", "email_outbox"]));
      expect(new Set(rows.map((r) => r.o))).toEqual(new Set([db.names.roles.migrator.name]));
      expect((await root.query(`SELECT to_regclass('public.pgmigrations') AS t`)).rows[0].t).toBeNull();
      expect(await tables("public")).toEqual([]);
      const applied = (await root.query<{ name: string }>(`SELECT name FROM renfort.pgmigrations ORDER BY run_on, id`)).rows.map((r) => r.name);
      expect(applied).toEqual(migrationNames());
    });

    it("`--migrate-only` (a separate process, URL from RENFORT_MIGRATION_DATABASE_URL) is idempotent and never prints the URL", async () => {
      const r = await releaseCli(["--stack", "staging", "--migrate-only"], { RENFORT_MIGRATION_DATABASE_URL: db.urls.migrator });
      expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: expect.stringContaining("release: migrations already current") });
      expect(r.out).not.toContain(db.passwords.migrator);
      expect(r.out).not.toContain(db.urls.migrator);
    });

    it("`--migrate-only` on a fresh database applies every migration as the migrator", async () => {
      const fresh = await createScalewayLikeDatabase(ADMIN_URL);
      try {
        const r = await releaseCli(["--stack", "prod", "--migrate-only"], { RENFORT_MIGRATION_DATABASE_URL: fresh.urls.migrator });
        expect(r.code).toBe(0);
        expect(r.out).toContain(`release: applied ${migrationNames().length} migration(s)`);
        expect(r.out).not.toContain(fresh.passwords.migrator);
      } finally {
        await fresh.drop();
      }
    });

    it("`--migrate-only` against a database that is not there exits 3, names the failure and masks the URL", async () => {
      // (the local server trusts local connections, so a wrong password would not be refused here)
      const wrong = db.urls.migrator.replace(`/${db.names.database}`, `/${db.names.database}_missing`);
      const r = await releaseCli(["--stack", "staging", "--migrate-only"], { RENFORT_MIGRATION_DATABASE_URL: wrong });
      expect(r.code).toBe(3);
      expect(r.out).toMatch(/migrations FAILED: .*does not exist/);
      expect(r.out).not.toContain(db.passwords.migrator);
    });

    it("`--migrate-only` without the URL exits 3 naming the variable", async () => {
      const r = await releaseCli(["--stack", "staging", "--migrate-only"], {});
      expect(r.code).toBe(3);
      expect(r.out).toContain("RENFORT_MIGRATION_DATABASE_URL is not set");
    });
  });
}
