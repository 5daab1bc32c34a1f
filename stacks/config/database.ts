/**
 * Managed PostgreSQL config. See components/database (README.md there documents every key and the two
 * admin-access modes).
 */
import { z } from "zod";
import { ipv4Cidr, positiveInt, type TierIssue, type TierRule } from "./common";

const pgIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL identifier");
/** Names PostgreSQL or Scaleway keep for themselves. */
const RESERVED_ROLE_NAMES = ["postgres", "public", "rdb", "admin", "root", "replicator"];

const role = z.strictObject({
  /** PostgreSQL role name. */
  name: pgIdentifier,
  /** Connections this role may hold at once (-1 = unlimited). */
  connectionLimit: z.number().int().min(-1),
});

/** `settings.max_connections`: Scaleway takes engine settings as strings; a whole number > 0. */
const MAX_CONNECTIONS = /^[1-9]\d*$/;

/**
 * The instance's `settings.max_connections` as a number, read in this one place (the schema's check below,
 * the capacity model's input in stacks/wiring/fleet.ts): undefined when the stack leaves the engine default,
 * NaN when it is not a whole number > 0 written as a string (the schema refuses it).
 */
export function maxConnectionsOf(settings: Readonly<Record<string, string>>): number | undefined {
  const value = settings.max_connections;
  if (value === undefined) return undefined;
  return MAX_CONNECTIONS.test(value) ? Number(value) : Number.NaN;
}

export const databaseSchema = z.strictObject({
  /** Engine and major version (PostgreSQL 16 or newer). */
  engine: z.string().regex(/^PostgreSQL-(1[6-9]|[2-9]\d)$/, "must be PostgreSQL-16 or newer, e.g. PostgreSQL-16"),
  /** Node type (list them with `scw rdb node-type list`). */
  nodeType: z.string().min(1),
  /** Run a standby node with automatic failover. Changing it recreates the instance. */
  highAvailability: z.boolean(),
  volumeType: z.enum(["lssd", "sbs_5k", "sbs_15k"]).default("sbs_5k"),
  volumeSizeGb: positiveInt.default(50),
  encryptionAtRest: z.boolean().default(true),
  backup: z
    .strictObject({
      enabled: z.boolean().default(true),
      retentionDays: z.number().int().min(1).max(365).default(7),
      frequencyHours: z.number().int().min(1).max(24).default(24),
    })
    .prefault({}),
  /** Engine settings; Scaleway takes every value as a string. */
  settings: z.record(z.string(), z.string()).default({}),
  /** Name of the application database. */
  databaseName: pgIdentifier.default("renfort"),
  /** The instance's admin user (creates databases and roles; not a superuser). Changing it RECREATES the instance. */
  adminUserName: pgIdentifier.default("renfort_admin"),
  /** How the Pulumi runner reaches the admin endpoint: `private` (from inside the VPC) or `acl` (public endpoint, listed CIDRs only). */
  adminAccess: z
    .strictObject({
      mode: z.enum(["private", "acl"]).default("private"),
      allowedCidrs: z.array(ipv4Cidr).default([]),
    })
    .prefault({}),
  roles: z.strictObject({ migrator: role, app: role, readonly: role }),
  readReplica: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
}).superRefine((d, ctx) => {
  const maxConnections = maxConnectionsOf(d.settings);
  if (Number.isNaN(maxConnections)) {
    ctx.addIssue({ code: "custom", path: ["settings", "max_connections"], message: 'must be a whole number > 0 written as a string, e.g. "800"', input: d.settings.max_connections });
  } else if (maxConnections !== undefined) {
    // The roles' limits must fit under the instance's cap, or the last role to connect gets refused under load.
    const limits = Object.values(d.roles).map((r) => r.connectionLimit);
    const sum = limits.reduce((a, b) => a + b, 0);
    if (limits.includes(-1) || sum >= maxConnections) {
      ctx.addIssue({
        code: "custom",
        path: ["roles"],
        message: `must have connection limits (not -1) whose sum (${limits.includes(-1) ? "unlimited" : sum}) stays below settings.max_connections (${maxConnections}), which also serves the admin and Scaleway's own connections`,
        input: Object.fromEntries(Object.entries(d.roles).map(([k, r]) => [k, r.connectionLimit])),
      });
    }
  }
  const names = [d.adminUserName, d.roles.migrator.name, d.roles.app.name, d.roles.readonly.name];
  names.forEach((n, i) => {
    const path = i === 0 ? ["adminUserName"] : ["roles", ["migrator", "app", "readonly"][i - 1], "name"];
    if (RESERVED_ROLE_NAMES.includes(n)) ctx.addIssue({ code: "custom", path, message: `must not be a reserved name (${RESERVED_ROLE_NAMES.join(", ")})`, input: n });
    else if (names.indexOf(n) !== i) ctx.addIssue({ code: "custom", path, message: "must differ from the admin user and the other roles (one role per purpose)", input: n });
  });
});
// The admin access rules (never open to the world, CIDRs only in acl mode) are the database component's
// (components/database/connection.ts): stacks/wiring checks them on the mapped args and names the keys.
export type DatabaseConfig = z.infer<typeof databaseSchema>;

export const databaseTierRules: TierRule<DatabaseConfig> = (d, tier) => {
  const issues: TierIssue[] = [];
  if (tier === "prod") {
    if (!d.highAvailability) issues.push({ path: ["highAvailability"], message: "must be true in prod", value: false });
    if (!d.encryptionAtRest) issues.push({ path: ["encryptionAtRest"], message: "must be true in prod", value: false });
    if (!d.backup.enabled) issues.push({ path: ["backup", "enabled"], message: "must be true in prod", value: false });
    if (d.backup.retentionDays < 7) issues.push({ path: ["backup", "retentionDays"], message: "must be >= 7 in prod", value: d.backup.retentionDays });
  }
  return issues;
};
