/**
 * The twin's PostgreSQL cluster, standing for Scaleway's managed instance: the server installed here
 * (initdb/pg_ctl of the newest /usr/lib/postgresql/<v>), its own directory, address, port and socket,
 * TLS on with a certificate from the twin's CA, connections over TCP only with TLS and a password
 * (`hostssl ... scram-sha-256`). The bootstrap superuser is reachable through the socket only: it plays
 * Scaleway, which creates the instance admin (LOGIN CREATEDB CREATEROLE, not a superuser) and the
 * maintenance database; everything else is done as that admin, as the postgresql provider does.
 * As root, initdb and postgres run as the `postgres` user through `runuser` (they refuse root).
 * https://www.postgresql.org/docs/current/ssl-tcp.html, https://www.postgresql.org/docs/current/auth-pg-hba-conf.html
 */
import { execFile } from "node:child_process";
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { ACCESS_MODEL, quoteIdent, quoteLiteral, renderAccessSteps } from "../../components/database/access-model";
import type { DatabaseDecl } from "./topology";

/** The bin directory of the newest installed PostgreSQL with initdb and pg_ctl, or undefined. */
export function findPostgresBin(root = "/usr/lib/postgresql"): string | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, "bin")).find((bin) => ["initdb", "pg_ctl", "postgres"].every((b) => existsSync(join(bin, b))));
}

const asRoot = () => process.getuid?.() === 0;

function run(file: string, args: string[]): Promise<string> {
  const [cmd, argv] = asRoot() ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(" ")} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

export interface ClusterSpec {
  bin: string;
  dir: string;
  address: string;
  port: number;
  /** Server certificate and key (the twin's CA signs them for `address`). */
  cert: string;
  key: string;
  /** The declared instance settings (postgresql.conf parameters). */
  settings: Record<string, string>;
}

export function dataDir(dir: string): string {
  return join(dir, "data");
}

export async function pgCtl(bin: string, dir: string, args: string[]): Promise<string> {
  return run(join(bin, "pg_ctl"), ["-D", dataDir(dir), ...args]);
}

/** initdb, configure and start. */
export async function startCluster(spec: ClusterSpec): Promise<void> {
  mkdirSync(spec.dir, { recursive: true });
  const data = dataDir(spec.dir);
  if (asRoot()) await new Promise<void>((resolve, reject) => execFile("chown", ["postgres:", spec.dir], (e) => (e ? reject(e) : resolve())));
  await run(join(spec.bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
  // The server reads its key only when the file is private to it.
  copyFileSync(spec.cert, join(data, "server.crt"));
  copyFileSync(spec.key, join(data, "server.key"));
  chmodSync(join(data, "server.key"), 0o600);
  if (asRoot()) {
    await new Promise<void>((resolve, reject) => execFile("chown", ["postgres:", join(data, "server.crt"), join(data, "server.key")], (e) => (e ? reject(e) : resolve())));
  }
  const declared = Object.entries(spec.settings).map(([k, v]) => `${k} = ${quoteLiteral(v)}`);
  appendFileSync(
    join(data, "postgresql.conf"),
    [
      "# Twin of the managed instance: its declared settings, then the twin's address and TLS.",
      ...declared,
      `port = ${spec.port}`,
      `listen_addresses = '${spec.address}'`,
      `unix_socket_directories = '${spec.dir}'`,
      "ssl = on",
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      "ssl_min_protocol_version = 'TLSv1.2'",
      "password_encryption = 'scram-sha-256'",
      "shared_buffers = 32MB",
      "logging_collector = off",
      "fsync = on",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(data, "pg_hba.conf"),
    [
      "# The bootstrap superuser through the socket only (Scaleway's side); every role over TCP with TLS and a password.",
      "local all postgres trust",
      "hostssl all all 127.0.0.0/8 scram-sha-256",
      "",
    ].join("\n"),
  );
  const logFile = join(spec.dir, "server.log");
  try {
    await pgCtl(spec.bin, spec.dir, ["-l", logFile, "-w", "-t", "60", "start"]);
  } catch (e) {
    const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-10).join("\n") : "(no server log)";
    throw new Error(`PostgreSQL did not start on ${spec.address}:${spec.port}:\n${tail}`, { cause: e });
  }
}

export async function stopCluster(bin: string, dir: string, mode: "fast" | "immediate" = "fast"): Promise<void> {
  if (!existsSync(join(dataDir(dir), "postmaster.pid"))) return;
  await pgCtl(bin, dir, ["-w", "-t", "30", "-m", mode, "stop"]);
}

export interface TlsTarget {
  address: string;
  port: number;
  ca: string;
}

/** A libpq-style URL with full verification against the twin's CA (https://www.postgresql.org/docs/current/libpq-ssl.html). */
export function verifiedUrl(t: TlsTarget, user: string, password: string, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${t.address}:${t.port}/${encodeURIComponent(database)}?sslmode=verify-full&sslrootcert=${encodeURIComponent(t.ca)}`;
}

/**
 * What Scaleway and then the postgresql provider do: the instance admin and the maintenance database,
 * then, as the admin over TLS, the application database and the access model's steps one transaction
 * each (components/database/access-model.ts renderAccessSteps, the statements the provider runs).
 */
export async function provisionDatabase(spec: Pick<ClusterSpec, "dir" | "port">, target: TlsTarget, db: DatabaseDecl): Promise<void> {
  const root = new Client({ host: spec.dir, port: spec.port, user: "postgres", database: "postgres" });
  await root.connect();
  try {
    await root.query(`CREATE ROLE ${quoteIdent(db.admin.user)} LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD ${quoteLiteral(db.admin.password)}`);
    if (db.maintenanceDatabase !== "postgres") await root.query(`CREATE DATABASE ${quoteIdent(db.maintenanceDatabase)}`);
  } finally {
    await root.end();
  }
  const maintenance = new Client({ connectionString: verifiedUrl(target, db.admin.user, db.admin.password, db.maintenanceDatabase) });
  await maintenance.connect();
  try {
    await maintenance.query(`CREATE DATABASE ${quoteIdent(db.names.database)}`);
  } finally {
    await maintenance.end();
  }
  const admin = new Client({ connectionString: verifiedUrl(target, db.admin.user, db.admin.password, db.names.database) });
  await admin.connect();
  try {
    for (const step of renderAccessSteps(ACCESS_MODEL, db.names, db.passwords)) {
      await admin.query("BEGIN");
      try {
        for (const sql of step.statements) await admin.query(sql);
        await admin.query("COMMIT");
      } catch (e) {
        await admin.query("ROLLBACK");
        throw new Error(`the access model's step ${step.resource} failed as the instance admin: ${(e as Error).message}`, { cause: e });
      }
    }
  } finally {
    await admin.end();
  }
}
