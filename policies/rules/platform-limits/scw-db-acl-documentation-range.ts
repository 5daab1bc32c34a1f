import { resourcePolicy } from "../../lib/policy";
import { isUnknown, undecided } from "../../lib/unknown";
import { T, as, type DbAclProps } from "../../lib/types";
import { PLACEHOLDER_MARK, documentationRangeOf } from "../../../data/placeholders";

export interface Config {
  /**
   * Accept a documentation-range rule whose description starts with the placeholder mark: the committed stacks
   * carry one, and the program's entry point refuses it on `pulumi up`.
   */
  acceptMarkedPlaceholders: boolean;
}

/**
 * A database ACL for an address of a documentation range (RFC 5737) looks valid, passes every CIDR check and
 * admits no one: the runner that must reach the admin endpoint (the PostgreSQL provider, the release's
 * migrations) is refused, and the deployment fails half-way.
 */
export const scwDbAclDocumentationRange = resourcePolicy<Config>(
  {
    name: "scw-db-acl-documentation-range",
    description: "No database ACL rule names an address of a documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) unless it is marked as a placeholder, which pulumi up refuses.",
    severity: "high",
    remediationSteps:
      "Put the fixed egress address of the runner that runs pulumi up and the release in renfort:database.adminAccess.allowedCidrs (components/database/README.md, \"Reaching the admin endpoint from CI\").",
    url: "https://www.rfc-editor.org/rfc/rfc5737",
    configSchema: {
      properties: {
        acceptMarkedPlaceholders: {
          type: "boolean",
          default: true,
          description: "Accept a rule described as PLACEHOLDER (the stack entry refuses it on pulumi up).",
        },
      },
    },
  },
  T.dbAcl,
  ({ props, config, report }) => {
    const rules = as<DbAclProps>(props).aclRules;
    if (isUnknown(rules)) undecided("aclRules is not known before deployment");
    for (const rule of rules ?? []) {
      if (isUnknown(rule.ip)) undecided("an ACL rule's ip is not known before deployment");
      const range = documentationRangeOf(String(rule.ip));
      if (!range) continue;
      const marked = typeof rule.description === "string" && rule.description.startsWith(PLACEHOLDER_MARK);
      if (marked && config.acceptMarkedPlaceholders) continue;
      report(
        `ACL rule ${String(rule.ip)} is in the documentation range ${range}: no runner has such an address, so the admin endpoint admits no one and pulumi up fails at the PostgreSQL provider. Set renfort:database.adminAccess.allowedCidrs to the runner's fixed egress address.`,
      );
    }
  },
);
