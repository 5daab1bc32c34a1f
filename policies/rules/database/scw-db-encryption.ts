import { resourcePolicy } from "../../lib/policy";
import { T, as, type DbInstanceProps } from "../../lib/types";

export interface Config {
  requireEncryption: boolean;
}

export const scwDbEncryption = resourcePolicy<Config>(
  {
    name: "scw-db-encryption",
    description: "The managed PostgreSQL instance encrypts its volumes and backups at rest.",
    severity: "high",
    remediationSteps: "Set `encryptionAtRest: true` on the databases.Instance (only possible at creation).",
    url: "https://www.scaleway.com/en/docs/managed-databases-for-postgresql-and-mysql/api-cli/encryption-at-rest/",
    configSchema: {
      properties: { requireEncryption: { type: "boolean", default: true, description: "Require encryptionAtRest." } },
    },
  },
  T.dbInstance,
  ({ props, config, report }) => {
    if (config.requireEncryption && as<DbInstanceProps>(props).encryptionAtRest !== true)
      report("encryptionAtRest is not true: set encryptionAtRest: true so volumes and backups are encrypted.");
  },
);
