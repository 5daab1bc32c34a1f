/**
 * Managed PostgreSQL config. See components/database.
 */
import { z } from "zod";
import { ipv4Cidr, positiveInt, type TierRule } from "./common";

const role = z.strictObject({
  /** PostgreSQL role name. */
  name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL identifier"),
  /** Connections this role may hold at once (-1 = unlimited). */
  connectionLimit: z.number().int().min(-1),
});

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
  databaseName: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL identifier").default("renfort"),
  /** How the Pulumi runner reaches the admin endpoint: `private` (from inside the VPC) or `acl` (public endpoint, listed CIDRs only). */
  adminAccess: z
    .strictObject({
      mode: z.enum(["private", "acl"]).default("private"),
      allowedCidrs: z.array(ipv4Cidr).default([]),
    })
    .prefault({}),
  roles: z.strictObject({ migrator: role, app: role, readonly: role }),
  readReplica: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
});
export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** The worst CIDRs: a whole-internet ACL defeats the point of one. */
function isWorldOpen(cidr: string): boolean {
  return cidr.endsWith("/0");
}

export const databaseTierRules: TierRule<DatabaseConfig> = (d, tier) => {
  const issues = [];
  d.adminAccess.allowedCidrs.forEach((cidr, i) => {
    if (isWorldOpen(cidr)) {
      issues.push({ path: ["adminAccess", "allowedCidrs", i], message: "must not open the admin endpoint to the whole internet: list the operators' egress CIDRs", value: cidr });
    }
  });
  if (d.adminAccess.mode === "acl" && d.adminAccess.allowedCidrs.length === 0) {
    issues.push({ path: ["adminAccess", "allowedCidrs"], message: "must list at least one CIDR when adminAccess.mode is acl", value: [] });
  }
  if (tier === "prod") {
    if (!d.highAvailability) issues.push({ path: ["highAvailability"], message: "must be true in prod", value: false });
    if (!d.encryptionAtRest) issues.push({ path: ["encryptionAtRest"], message: "must be true in prod", value: false });
    if (!d.backup.enabled) issues.push({ path: ["backup", "enabled"], message: "must be true in prod", value: false });
    if (d.backup.retentionDays < 7) issues.push({ path: ["backup", "retentionDays"], message: "must be >= 7 in prod", value: d.backup.retentionDays });
  }
  if (d.settings.max_connections !== undefined && !/^\d+$/.test(d.settings.max_connections)) {
    issues.push({ path: ["settings", "max_connections"], message: 'must be a whole number written as a string, e.g. "800"', value: d.settings.max_connections });
  }
  return issues;
};
