import { stackPolicy } from "../../lib/policy";
import { T, type DbAclProps, type DbInstanceProps } from "../../lib/types";

export interface Config {
  allowPublicEndpoint: boolean;
}

/**
 * The app reaches the database on the private network. A public endpoint (`loadBalancer`) is only there
 * for the postgresql provider run by operators, and must then be closed by a databases.Acl.
 */
export const scwDbPrivate = stackPolicy<Config>(
  {
    name: "scw-db-private",
    description: "The managed PostgreSQL instance is attached to the private network, and any public endpoint is restricted by an ACL.",
    severity: "critical",
    remediationSteps:
      "Set privateNetwork { pnId, enableIpam: true }; remove loadBalancer, or declare one databases.Acl for the instance listing only the operators' addresses.",
    url: "https://www.scaleway.com/en/docs/managed-databases-for-postgresql-and-mysql/how-to/connect-database-private-network/",
    configSchema: {
      properties: {
        allowPublicEndpoint: {
          type: "boolean",
          default: true,
          description: "Accept a public endpoint (loadBalancer) when an ACL restricts it (the runner's access for @pulumi/postgresql).",
        },
      },
    },
  },
  ({ ofType, config, report }) => {
    const acls = ofType(T.dbAcl);
    for (const db of ofType(T.dbInstance)) {
      const p = db.props as Partial<DbInstanceProps>;
      if (!p.privateNetwork?.pnId) report(`database ${db.name} is not attached to the private network: set privateNetwork { pnId, enableIpam: true }.`, db.urn);
      if (p.loadBalancer === undefined) continue;
      if (!config.allowPublicEndpoint) {
        report(`database ${db.name} has a public endpoint (loadBalancer): remove it; reach the database from inside the private network.`, db.urn);
        continue;
      }
      const acl = acls.find((a) => a.dependencies.some((d) => d.urn === db.urn));
      const rules = acl ? ((acl.props as Partial<DbAclProps>).aclRules ?? []) : [];
      if (!acl || !rules.length)
        report(`database ${db.name} has a public endpoint (loadBalancer) without an ACL, so it accepts connections from anywhere: declare a databases.Acl with the operators' addresses.`, db.urn);
    }
  },
);
