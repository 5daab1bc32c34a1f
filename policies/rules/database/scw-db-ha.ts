import { resourcePolicy } from "../../lib/policy";
import { T, as, type DbInstanceProps } from "../../lib/types";

export interface Config {
  requireHa: boolean;
}

/** A single node means a node failure or a maintenance is a signup outage. */
export const scwDbHa = resourcePolicy<Config>(
  {
    name: "scw-db-ha",
    description: "The managed PostgreSQL instance runs as a high-availability cluster (a standby node takes over on failure).",
    severity: "high",
    remediationSteps: "Set `isHaCluster: true` on the databases.Instance (this recreates the instance: plan it before launch).",
    url: "https://www.scaleway.com/en/docs/managed-databases-for-postgresql-and-mysql/concepts/#high-availability",
    configSchema: {
      properties: { requireHa: { type: "boolean", default: true, description: "Require isHaCluster." } },
    },
  },
  T.dbInstance,
  ({ props, config, report }) => {
    if (config.requireHa && as<DbInstanceProps>(props).isHaCluster !== true)
      report("isHaCluster is not true, so one node failure stops the database: set isHaCluster: true.");
  },
);
