/**
 * Maps the typed stack config onto the Database component's args (the component never reads config).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RenfortConfig } from "../config";
import type { StackSecrets } from "../load";
import { adminAccessProblems } from "../../components/database/connection";
import { Database, type DatabaseArgs } from "../../components/database/index";
import { describeArgProblem, type ArgKeys } from "./problems";

/** The component's args for a stack; pure, so tests can read what each stack asks for. */
export function databaseArgsFromConfig(
  cfg: RenfortConfig,
  secrets: Pick<StackSecrets, "databaseAdminPassword">,
  deps: { privateNetworkId: pulumi.Input<string> },
): DatabaseArgs {
  const d = cfg.database;
  return {
    engine: d.engine,
    nodeType: d.nodeType,
    highAvailability: d.highAvailability,
    volumeType: d.volumeType,
    volumeSizeGb: d.volumeSizeGb,
    encryptionAtRest: d.encryptionAtRest,
    backup: {
      enabled: d.backup.enabled,
      retentionDays: d.backup.retentionDays,
      frequencyHours: d.backup.frequencyHours,
      sameRegion: cfg.sovereignty.requireSameRegionBackups,
    },
    settings: d.settings,
    privateNetworkId: deps.privateNetworkId,
    region: cfg.scaleway.region,
    instanceName: `renfort-${cfg.tier}`,
    adminUserName: d.adminUserName,
    ...(secrets.databaseAdminPassword ? { adminPassword: secrets.databaseAdminPassword } : {}),
    adminAccess: { mode: d.adminAccess.mode, allowedCidrs: [...d.adminAccess.allowedCidrs] },
    databaseName: d.databaseName,
    roles: {
      migrator: { name: d.roles.migrator.name, connectionLimit: d.roles.migrator.connectionLimit },
      app: { name: d.roles.app.name, connectionLimit: d.roles.app.connectionLimit },
      readonly: { name: d.roles.readonly.name, connectionLimit: d.roles.readonly.connectionLimit },
    },
    readReplica: d.readReplica.enabled,
    // The component protects by default; staging turns it off here, explicitly.
    protect: cfg.tier === "prod",
    sslmode: "require",
    tags: ["renfort", cfg.tier],
  };
}

/** Config key of each argument the database checks before declaring anything. */
export const DATABASE_ARG_KEYS: ArgKeys = { adminAccess: "database.adminAccess" };

/** What the database would refuse in this stack's config (an admin endpoint open to the world, ...), named by config key. */
export function databaseConfigProblems(cfg: RenfortConfig): string[] {
  return adminAccessProblems(cfg.database.adminAccess).map((p) => describeArgProblem(p, DATABASE_ARG_KEYS));
}

/** The stack's database: see stacks/platform.ts. */
export function createDatabase(
  cfg: RenfortConfig,
  secrets: StackSecrets,
  deps: { privateNetworkId: pulumi.Output<string> },
  opts: pulumi.ComponentResourceOptions,
): Database {
  return new Database("renfort-database", databaseArgsFromConfig(cfg, secrets, deps), opts);
}
