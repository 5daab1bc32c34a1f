import { resourcePolicy } from "../../lib/policy";
import { T, as, type DbInstanceProps } from "../../lib/types";

export interface Config {
  requireSameRegion: boolean;
}

/** By default Scaleway may store RDB backups in another region; sovereignty requires the instance's region. */
export const scwDbBackupLocality = resourcePolicy<Config>(
  {
    name: "scw-db-backup-locality",
    description: "Backups of the managed PostgreSQL instance stay in the instance's region when the stack requires it.",
    severity: "high",
    remediationSteps: "Set `backupSameRegion: true` on the databases.Instance.",
    url: "https://www.scaleway.com/en/docs/managed-databases-for-postgresql-and-mysql/how-to/manage-backups/",
    configSchema: {
      properties: { requireSameRegion: { type: "boolean", default: true, description: "Require backupSameRegion." } },
    },
  },
  T.dbInstance,
  ({ props, config, report }) => {
    if (config.requireSameRegion && as<DbInstanceProps>(props).backupSameRegion !== true)
      report("backupSameRegion is not true, so backups may be stored in another region: set backupSameRegion: true.");
  },
);
