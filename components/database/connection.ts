/**
 * Pure helpers of the Database component: how the admin endpoint may be opened, which endpoint the
 * postgresql provider connects to, what the generated passwords look like, and the connection strings.
 */
import type * as random from "@pulumi/random";
import { argPath, type ArgProblem } from "../args";

/** How the Pulumi runner reaches the instance's admin endpoint. See README.md beside this file. */
export type AdminAccessMode = "private" | "acl";

export interface AdminAccess {
  /**
   * `private`: no public endpoint; `pulumi up` runs from inside the VPC (bastion, runner in the private network).
   * `acl`: a public endpoint (`loadBalancer: {}`) restricted by one `databases.Acl` to `allowedCidrs`.
   */
  mode: AdminAccessMode;
  /** IPv4 CIDRs of the operators' egress (acl mode only). */
  allowedCidrs: string[];
}

/** Narrowest prefix accepted for an admin CIDR: wider blocks are whole providers, not an operator's egress. */
export const MIN_ADMIN_CIDR_PREFIX = 16;

const CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/;

/** Why one admin CIDR is not acceptable (a `must ...` sentence), or undefined when it is. */
export function adminCidrProblem(cidr: string): string | undefined {
  if (!CIDR.test(cidr)) return "must be an IPv4 CIDR block such as 203.0.113.16/29 (Scaleway database ACLs take IPv4 only)";
  const prefix = Number(cidr.split("/")[1]);
  if (prefix === 0) return "must not open the admin endpoint to the whole internet: list the operators' egress CIDRs";
  if (prefix < MIN_ADMIN_CIDR_PREFIX) {
    return `must be a /${MIN_ADMIN_CIDR_PREFIX} or narrower block (the operators' egress addresses), not a /${prefix} that opens the admin endpoint to a large part of the internet`;
  }
  return undefined;
}

/**
 * Every problem of the `adminAccess` argument, each with its path in the component's args (the wiring
 * layer maps it to a config key; another argument a message names is in backticks). The wiring checks
 * it before declaring anything; the component asserts it again as its last line of defence.
 */
export function adminAccessProblems(access: AdminAccess): ArgProblem[] {
  const problems: ArgProblem[] = [];
  access.allowedCidrs.forEach((cidr, i) => {
    const message = adminCidrProblem(cidr);
    if (message) problems.push({ path: ["adminAccess", "allowedCidrs", i], message, value: cidr });
  });
  if (access.mode === "acl" && access.allowedCidrs.length === 0) {
    problems.push({ path: ["adminAccess", "allowedCidrs"], message: "must list at least one CIDR when `adminAccess.mode` is acl", value: [] });
  }
  if (access.mode === "private" && access.allowedCidrs.length > 0) {
    problems.push({
      path: ["adminAccess", "allowedCidrs"],
      message: "must be empty when `adminAccess.mode` is private (there is no public endpoint to restrict): remove it, or set `adminAccess.mode` to acl",
      value: access.allowedCidrs,
    });
  }
  return problems;
}

/** Throws when the admin access is unsafe: the component's last line of defence behind config validation. */
export function assertAdminAccess(access: AdminAccess): void {
  const problems = adminAccessProblems(access);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  - ${argPath(p.path)} ${p.message}, got ${JSON.stringify(p.value)}`);
    throw new Error(`Database admin access refused:\n${lines.join("\n")}`);
  }
}

/**
 * Generated passwords. Scaleway requires 8-128 characters with an upper-case letter, a lower-case letter,
 * a digit and a special character from `!@#$%^&*()_+-=[]{}|;:,.<>?`
 * (https://www.scaleway.com/en/docs/managed-databases-for-postgresql-and-mysql/how-to/manage-users/).
 * The special set is a subset that needs no quoting in a shell or an env file; URLs encode it anyway.
 */
export const PASSWORD_ARGS: random.RandomPasswordArgs = {
  length: 32,
  upper: true,
  lower: true,
  numeric: true,
  special: true,
  overrideSpecial: "!*+-._=",
  minUpper: 2,
  minLower: 2,
  minNumeric: 2,
  minSpecial: 2,
};

export interface Endpoint {
  host: string;
  port: number;
}

/** `host:port` (IPv6 hosts in brackets). */
export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** The endpoint fields the instance reports, as `databases.Instance` outputs them. */
export interface InstanceEndpoints {
  privateNetwork?: { ip?: string; port?: number } | undefined;
  loadBalancer?: { ip?: string; port?: number } | undefined;
}

/** The private-network endpoint (what the fleet uses); throws a clear error when the instance has none. */
export function privateEndpointOf(e: InstanceEndpoints): Endpoint {
  const pn = e.privateNetwork;
  if (!pn?.ip || !pn.port) {
    throw new Error("the database instance reports no private-network endpoint: it must be attached with privateNetwork { pnId, enableIpam: true }");
  }
  return { host: pn.ip, port: pn.port };
}

/** The endpoint the postgresql provider (run by `pulumi up`) connects to in each admin-access mode. */
export function adminEndpointOf(mode: AdminAccessMode, e: InstanceEndpoints): Endpoint {
  if (mode === "private") return privateEndpointOf(e);
  const lb = e.loadBalancer;
  if (!lb?.ip || !lb.port) {
    throw new Error("adminAccess.mode is acl but the instance reports no public endpoint: it must be declared with loadBalancer: {}");
  }
  return { host: lb.ip, port: lb.port };
}

export type SslMode = "require" | "verify-ca" | "verify-full";

/**
 * Where the fleet writes the database instance's CA certificate (the Database component's
 * `caCertificate` output) on each instance, and mounts it at the same path in the app's container:
 * the connection strings' `sslrootcert`. One place for the path, shared by both components.
 */
export const DATABASE_CA_PATH = "/etc/renfort/database-ca.pem";

/**
 * How the app verifies the managed instance: `verify-ca` against the instance's own CA certificate.
 * Why not verify-full: the app reaches the instance by its private-network IP (IPAM), and which names
 * and addresses Scaleway puts in the instance's certificate is not documented (neither the API's
 * `GET /rdb/v1/regions/{region}/instances/{id}/certificate` nor the provider's `certificate`
 * attribute say); verify-full would then fail or depend on an undocumented detail. verify-ca against
 * a per-instance CA still refuses any server that does not hold that instance's key.
 * components/database/README.md ("TLS between the fleet and the database").
 */
export const FLEET_SSLMODE = "verify-ca" as const;

export interface ConnectionParts {
  user: string;
  password: string;
  endpoint: Endpoint;
  database: string;
  sslmode: SslMode;
  /** Path of the CA certificate file the client verifies the server against (libpq's `sslrootcert`). */
  sslrootcert?: string;
}

/** A file path as a URL query value: percent-encoded, slashes kept readable (libpq and node-postgres decode both). */
function queryPath(path: string): string {
  return encodeURIComponent(path).replace(/%2F/gi, "/");
}

function assertCaPath(path: string): void {
  if (!path.startsWith("/") || /[\r\n\0]/.test(path)) throw new Error(`sslrootcert must be an absolute file path on the instance, got ${JSON.stringify(path)}`);
}

/**
 * `postgres://user:password@host:port/database?sslmode=...[&sslrootcert=<path>]`, user and password
 * percent-encoded (https://www.postgresql.org/docs/16/libpq-connect.html#LIBPQ-CONNSTRING-URIS), the
 * TLS parameters libpq's own (the app reads them with libpq's meaning: app/src/db.ts). The result
 * holds a password: wrap it in `pulumi.secret` and never log it.
 */
export function postgresUrl(p: ConnectionParts): string {
  if (p.sslrootcert !== undefined) assertCaPath(p.sslrootcert);
  if ((p.sslmode === "verify-ca" || p.sslmode === "verify-full") && p.sslrootcert === undefined) {
    throw new Error(`sslmode ${p.sslmode} needs sslrootcert (the instance's CA file, e.g. ${DATABASE_CA_PATH}): without it node-postgres and libpq each look in a different store, and neither holds the instance's CA`);
  }
  const tls = `sslmode=${p.sslmode}${p.sslrootcert !== undefined ? `&sslrootcert=${queryPath(p.sslrootcert)}` : ""}`;
  return `postgres://${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}@${formatEndpoint(p.endpoint)}/${encodeURIComponent(p.database)}?${tls}`;
}

/**
 * The fleet's DATABASE_URL: `url` (a connection string of this component) with `sslmode=<mode>` and
 * `sslrootcert=<caFilePath>` set, every other part kept as is. Pure; use it inside `.apply` on the
 * secret output and keep the result secret.
 */
export function withVerifiedTls(url: string, caFilePath: string = DATABASE_CA_PATH, sslmode: "verify-ca" | "verify-full" = FLEET_SSLMODE): string {
  assertCaPath(caFilePath);
  const q = url.indexOf("?");
  const base = q < 0 ? url : url.slice(0, q);
  const kept = q < 0 ? [] : url.slice(q + 1).split("&").filter((kv) => kv !== "" && !/^(sslmode|sslrootcert)=/.test(kv));
  return `${base}?${[...kept, `sslmode=${sslmode}`, `sslrootcert=${queryPath(caFilePath)}`].join("&")}`;
}
