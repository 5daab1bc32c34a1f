import { resourcePolicy } from "../../lib/policy";
import { parseCidr } from "../../lib/cidr";
import { T, as, type DbAclProps } from "../../lib/types";

export interface Config {
  minPrefixLength: number;
}

export const scwDbAclClosed = resourcePolicy<Config>(
  {
    name: "scw-db-acl-closed",
    description: "Database ACL rules never open the database to the world (0.0.0.0/0) or to ranges broader than the configured prefix length.",
    severity: "critical",
    remediationSteps: "List only the operators' or CI runner's addresses (/32 or a small range) in the databases.Acl aclRules.",
    url: "https://www.scaleway.com/en/docs/managed-databases-for-postgresql-and-mysql/how-to/manage-allowed-ip-addresses/",
    configSchema: {
      properties: {
        minPrefixLength: { type: "integer", minimum: 0, maximum: 32, default: 16, description: "Broadest IPv4 prefix accepted in an ACL rule." },
      },
    },
  },
  T.dbAcl,
  ({ props, config, report }) => {
    for (const rule of as<DbAclProps>(props).aclRules ?? []) {
      const c = parseCidr(rule.ip);
      if (!c) report(`ACL rule "${rule.ip}" is not a valid IPv4 address or CIDR: write it as a.b.c.d/nn.`);
      else if (c.prefix === 0) report(`ACL rule ${rule.ip} opens the database to the whole internet: list the operators' addresses instead.`);
      else if (c.prefix < config.minPrefixLength)
        report(`ACL rule ${rule.ip} is broader than /${config.minPrefixLength}: narrow it to the addresses that need access.`);
    }
  },
);
