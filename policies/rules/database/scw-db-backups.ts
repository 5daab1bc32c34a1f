import { resourcePolicy } from "../../lib/policy";
import { T, as, type DbInstanceProps } from "../../lib/types";

export interface Config {
  minRetentionDays: number;
  maxFrequencyHours: number;
}

export const scwDbBackups = resourcePolicy<Config>(
  {
    name: "scw-db-backups",
    description: "Automated backups of the managed PostgreSQL instance are on, at least daily, and kept for at least the configured number of days.",
    severity: "high",
    remediationSteps: "Set disableBackup: false, backupScheduleFrequency <= 24 and backupScheduleRetention >= 7 on the databases.Instance.",
    url: "https://www.scaleway.com/en/docs/managed-databases-for-postgresql-and-mysql/how-to/manage-backups/",
    configSchema: {
      properties: {
        minRetentionDays: { type: "integer", minimum: 1, default: 7, description: "Shortest retention accepted, days." },
        maxFrequencyHours: { type: "integer", minimum: 1, default: 24, description: "Longest interval between backups, hours." },
      },
    },
  },
  T.dbInstance,
  ({ props, config, report }) => {
    const p = as<DbInstanceProps>(props);
    if (p.disableBackup === true) {
      report("automated backups are disabled (disableBackup: true): set disableBackup: false.");
      return;
    }
    const retention = p.backupScheduleRetention;
    if (retention === undefined) report(`backupScheduleRetention is not set: set it to at least ${config.minRetentionDays} days.`);
    else if (retention < config.minRetentionDays) report(`backups are kept ${retention} days: set backupScheduleRetention >= ${config.minRetentionDays}.`);
    const freq = p.backupScheduleFrequency;
    if (freq !== undefined && freq > config.maxFrequencyHours)
      report(`backups run every ${freq} h: set backupScheduleFrequency <= ${config.maxFrequencyHours}.`);
  },
);
