import { stackPolicy } from "../../lib/policy";
import { TAG, replicasOf, tagMap, tagNumber } from "../../lib/capacity";
import { T, type DbInstanceProps, type InstanceGroupProps } from "../../lib/types";

export interface Config {
  reserveConnections: number;
}

/**
 * Connections an app instance holds beyond its pool (the degraded-mode LISTEN client), and releases whose
 * groups run at once (old and new during a rollout, until the health gate passes). Written here again on
 * purpose: the pack re-derives the budget from what the program declares instead of trusting the
 * fleet's own capacity model (components/fleet/capacity.ts).
 */
const EXTRA_CONNECTIONS_PER_INSTANCE = 1;
const RELEASES_DURING_ROLLOUT = 2;

/**
 * At full scale every instance opens its whole pool plus its LISTEN connection, and during a release the
 * previous release's groups (no longer declared by the program, same shape assumed) still run beside the
 * new ones: 2 x maxReplicas x (pool size + 1) per group + a reserve for migrations, admin and monitoring
 * must fit in the database's max_connections, or signups fail with "too many clients" exactly when
 * traffic peaks.
 */
export const scwDbConnBudget = stackPolicy<Config>(
  {
    name: "scw-db-conn-budget",
    description:
      "The fleet at its maximum size during a release (old and new groups), each instance with its full connection pool and its LISTEN connection, plus a reserve, fits in the database's max_connections.",
    severity: "high",
    remediationSteps:
      "Raise settings.max_connections on the databases.Instance (within the node type's limit), lower renfort:fleet.poolSize, or lower renfort:fleet.maxInstances.",
    url: "https://www.scaleway.com/en/docs/managed-databases-for-postgresql-and-mysql/reference-content/postgresql-advanced-settings/",
    configSchema: {
      properties: {
        reserveConnections: { type: "integer", minimum: 0, default: 20, description: "Connections kept free for migrations, admin and monitoring." },
      },
    },
  },
  ({ ofType, config, report }) => {
    const groups = ofType(T.instanceGroup);
    const dbs = ofType(T.dbInstance);
    if (!groups.length || !dbs.length) return;
    let demand = config.reserveConnections;
    const parts: string[] = [];
    for (const g of groups) {
      const p = g.props as Partial<InstanceGroupProps>;
      const pool = tagNumber(tagMap(p.tags), TAG.pool);
      const { max } = replicasOf(p);
      if (pool === undefined || max === undefined) {
        report(`instance group ${g.name} does not publish its pool size (tag ${TAG.pool}=<n>) and maxReplicas, so the connection budget cannot be checked.`, g.urn);
        return;
      }
      demand += RELEASES_DURING_ROLLOUT * max * (pool + EXTRA_CONNECTIONS_PER_INSTANCE);
      parts.push(`${RELEASES_DURING_ROLLOUT} x ${max} x (${pool} + ${EXTRA_CONNECTIONS_PER_INSTANCE})`);
    }
    for (const db of dbs) {
      const raw = (db.props as Partial<DbInstanceProps>).settings?.max_connections;
      if (raw === undefined) {
        report(`database ${db.name} does not set settings.max_connections: set it explicitly so the connection budget can be checked.`, db.urn);
        continue;
      }
      const maxConn = Number(raw);
      if (!Number.isInteger(maxConn) || maxConn <= 0) {
        report(`database ${db.name} has settings.max_connections "${raw}": set a positive integer (as a string).`, db.urn);
      } else if (demand > maxConn) {
        report(
          `the fleet at full scale during a release (releases x maxReplicas x (pool + LISTEN connection) per group) needs ${parts.join(" + ")} + ${config.reserveConnections} reserve = ${demand} connections, above max_connections ${maxConn} on ${db.name}: raise max_connections or lower the pool size or maxInstances.`,
          db.urn,
        );
      }
    }
  },
);
