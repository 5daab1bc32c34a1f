/**
 * Pure helpers of the Database component: how the admin endpoint may be opened, which endpoint the
 * postgresql provider connects to, what the generated passwords look like, and the connection strings.
 */
import type * as random from "@pulumi/random";

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
 * Every problem of an admin-access setting, each naming the config key under `renfort:database` it
 * comes from. Config validation and the component (defensively) both use it.
 */
export function adminAccessProblems(access: AdminAccess): { path: (string | number)[]; message: string; value: unknown }[] {
  const problems: { path: (string | number)[]; message: string; value: unknown }[] = [];
  access.allowedCidrs.forEach((cidr, i) => {
    const message = adminCidrProblem(cidr);
    if (message) problems.push({ path: ["adminAccess", "allowedCidrs", i], message, value: cidr });
  });
  if (access.mode === "acl" && access.allowedCidrs.length === 0) {
    problems.push({ path: ["adminAccess", "allowedCidrs"], message: "must list at least one CIDR when adminAccess.mode is acl", value: [] });
  }
  if (access.mode === "private" && access.allowedCidrs.length > 0) {
    problems.push({
      path: ["adminAccess", "allowedCidrs"],
      message: "must be empty when adminAccess.mode is private (there is no public endpoint to restrict): remove it, or set adminAccess.mode to acl",
      value: access.allowedCidrs,
    });
  }
  return problems;
}

function keyOf(path: (string | number)[]): string {
  return `renfort:database${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
}

/** Throws when the admin access is unsafe: the component's last line of defence behind config validation. */
export function assertAdminAccess(access: AdminAccess): void {
  const problems = adminAccessProblems(access);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  - ${keyOf(p.path)} ${p.message}, got ${JSON.stringify(p.value)}`);
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
    throw new Error("renfort:database.adminAccess.mode is acl but the instance reports no public endpoint: it must be declared with loadBalancer: {}");
  }
  return { host: lb.ip, port: lb.port };
}

export type SslMode = "require" | "verify-ca" | "verify-full";

export interface ConnectionParts {
  user: string;
  password: string;
  endpoint: Endpoint;
  database: string;
  sslmode: SslMode;
}

/**
 * `postgres://user:password@host:port/database?sslmode=...`, user and password percent-encoded
 * (https://www.postgresql.org/docs/16/libpq-connect.html#LIBPQ-CONNSTRING-URIS). The result holds a
 * password: wrap it in `pulumi.secret` and never log it.
 */
export function postgresUrl(p: ConnectionParts): string {
  return `postgres://${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}@${formatEndpoint(p.endpoint)}/${encodeURIComponent(p.database)}?sslmode=${p.sslmode}`;
}
