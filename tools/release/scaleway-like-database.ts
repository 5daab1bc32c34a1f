/**
 * Test support: a database laid out as the Database component lays it out on Scaleway, on a real
 * PostgreSQL server. A superuser (playing Scaleway's own) creates the instance admin (LOGIN CREATEDB
 * CREATEROLE, not a superuser); that admin creates the database and applies the access model's steps
 * (components/database/access-model.ts, renderAccessSteps) one transaction per step, as the
 * postgresql provider does with `superuser: false`. The roles' URLs are returned for the tests.
 */
import { randomBytes } from "crypto";
import { Client } from "pg";
import { ACCESS_MODEL, ROLE_KEYS, renderAccessSteps, type AccessNames, type RoleKey } from "../../components/database/access-model";

export interface ScalewayLikeDatabase {
  names: AccessNames;
  /** role -> postgres URL (password included) */
  urls: Record<RoleKey | "admin", string>;
  passwords: Record<RoleKey | "admin", string>;
  drop(): Promise<void>;
}

/**
 * `superuserUrl`: a superuser connection (its host, port and query are reused for every role's URL,
 * so `sslmode` / `sslrootcert` carry over). Returns once the access model is applied.
 */
export async function createScalewayLikeDatabase(superuserUrl: string): Promise<ScalewayLikeDatabase> {
  const suffix = randomBytes(4).toString("hex");
  const names: AccessNames = {
    database: `renfort_rel_${suffix}`,
    roles: {
      migrator: { name: `renfort_migrator_${suffix}`, connectionLimit: 5 },
      app: { name: `renfort_app_${suffix}`, connectionLimit: 10 },
      readonly: { name: `renfort_readonly_${suffix}`, connectionLimit: 3 },
    },
  };
  const adminName = `renfort_admin_${suffix}`;
  const passwords = Object.fromEntries([...ROLE_KEYS, "admin"].map((k) => [k, `Pw-${k}-${randomBytes(9).toString("base64url")}!`])) as Record<RoleKey | "admin", string>;
  const urlFor = (user: string, password: string, database: string = names.database): string => {
    const u = new URL(superuserUrl);
    u.username = encodeURIComponent(user);
    u.password = encodeURIComponent(password);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const maintenanceDb = new URL(superuserUrl).pathname.slice(1) || "postgres";

  const root = new Client({ connectionString: superuserUrl });
  await root.connect();
  try {
    await root.query(`CREATE ROLE "${adminName}" LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD '${passwords.admin}'`);
  } finally {
    await root.end();
  }
  const maintenance = new Client({ connectionString: urlFor(adminName, passwords.admin, maintenanceDb) });
  await maintenance.connect();
  try {
    await maintenance.query(`CREATE DATABASE "${names.database}"`);
  } finally {
    await maintenance.end();
  }
  const admin = new Client({ connectionString: urlFor(adminName, passwords.admin) });
  await admin.connect();
  try {
    for (const step of renderAccessSteps(ACCESS_MODEL, names, passwords)) {
      await admin.query("BEGIN");
      try {
        for (const statement of step.statements) await admin.query(statement);
        await admin.query("COMMIT");
      } catch (e) {
        await admin.query("ROLLBACK");
        const err = e as { code?: string; message?: string };
        throw new Error(`access step ${step.resource} failed as the non-superuser admin: ${err.code ?? ""} ${err.message ?? String(e)}`, { cause: e });
      }
    }
  } finally {
    await admin.end();
  }
  const urls = {
    admin: urlFor(adminName, passwords.admin),
    ...(Object.fromEntries(ROLE_KEYS.map((k) => [k, urlFor(names.roles[k].name, passwords[k])])) as Record<RoleKey, string>),
  };
  return {
    names,
    urls,
    passwords,
    async drop() {
      const c = new Client({ connectionString: superuserUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${names.database}" WITH (FORCE)`);
        for (const r of [...ROLE_KEYS.map((k) => names.roles[k].name), adminName]) await c.query(`DROP ROLE IF EXISTS "${r}"`);
      } finally {
        await c.end();
      }
    },
  };
}
