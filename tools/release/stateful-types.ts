/**
 * Resource types whose loss loses data or a published identity (an IP visitors' DNS points at, a zone
 * with its settings and rules, the registry holding released images). Deleting or replacing one of
 * them needs an explicit approval; see tools/release/stateful-guard.ts and the README.
 *
 * For each type, the inputs whose change makes the provider replace the resource (create a new one and
 * delete the old) instead of updating it in place. Sources, per type, are the provider docs:
 * - Scaleway (Terraform provider schemas, `ForceNew`, surfaced by @pulumiverse/scaleway as
 *   "Updates to `x` will recreate ..."): https://registry.terraform.io/providers/scaleway/scaleway/latest/docs
 * - Cloudflare v6: https://www.pulumi.com/registry/packages/cloudflare/api-docs/
 */
export interface StatefulType {
  /** Pulumi type token. */
  type: string;
  /** What is lost when it is replaced, for the message a reviewer reads. */
  loss: string;
  /** Top-level input names whose change replaces the resource. */
  replaceOn: readonly string[];
  /**
   * Inputs whose change is applied by the provider as a new resource built from a snapshot rather
   * than a strict replacement, still with a data-loss window (engine major upgrade on databases).
   */
  riskyOn?: Readonly<Record<string, string>>;
}

export const STATEFUL_TYPES: readonly StatefulType[] = [
  {
    type: "scaleway:databases/instance:Instance",
    loss: "the managed PostgreSQL instance and its data",
    // isHaCluster / userName: "Updates to `x` will recreate the Database Instance" (provider docs);
    // initSettings, encryptionAtRest, region, projectId are ForceNew in the provider schema.
    replaceOn: ["isHaCluster", "userName", "initSettings", "encryptionAtRest", "region", "projectId"],
    riskyOn: {
      // https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/rdb_instance#engine
      engine:
        "engine change runs a blue/green major upgrade: a new instance from a snapshot; writes between the snapshot and the endpoint switch are lost",
    },
  },
  {
    type: "scaleway:databases/readReplica:ReadReplica",
    loss: "the read replica (and its endpoint)",
    replaceOn: ["instanceId", "region", "sameZone"],
  },
  {
    type: "scaleway:loadbalancers/ip:Ip",
    loss: "a dedicated IP address the DNS records point at",
    replaceOn: ["zone", "region", "projectId", "isIpv6"],
  },
  {
    type: "scaleway:loadbalancers/loadBalancer:LoadBalancer",
    loss:
      "one of the origin's load balancers: its IP is released from it first and attached to the new one, so every request to that IP fails until the new load balancer, its certificates (Let's Encrypt re-issued) and ACLs exist; the other load balancer keeps serving",
    // `ipIds`: not ForceNew in the provider, whose update only attaches an added IPv6 and otherwise leaves
    // the IPs as they were (terraform-provider-scaleway v2.79.0 internal/services/lb/lb.go, ResourceLbUpdate);
    // the Origin component declares `replaceOnChanges: ["ipIds"]` with `deleteBeforeReplace`, so a change
    // replaces the load balancer. `zone`, `projectId` (zonal.Schema, account.ProjectIDSchema) and
    // `assignFlexibleIp` are ForceNew in the same file.
    // https://github.com/scaleway/terraform-provider-scaleway/blob/v2.79.0/internal/services/lb/lb.go
    replaceOn: ["ipIds", "zone", "projectId", "assignFlexibleIp"],
  },
  {
    type: "cloudflare:index/zone:Zone",
    loss: "the Cloudflare zone with its settings, records and rules",
    replaceOn: ["account", "name", "type"],
  },
  {
    type: "cloudflare:index/zoneSetting:ZoneSetting",
    loss: "a zone-level setting (reset to Cloudflare's default between delete and create)",
    replaceOn: ["zoneId", "settingId"],
  },
  {
    type: "cloudflare:index/ruleset:Ruleset",
    loss: "a zone phase ruleset (WAF, rate limits, cache rules: the edge is unprotected between delete and create)",
    replaceOn: ["zoneId", "accountId", "kind", "phase"],
  },
  {
    type: "scaleway:registry/namespace:Namespace",
    loss: "the container registry namespace and every image in it",
    // "Updates to `name` will recreate the namespace." (provider docs)
    replaceOn: ["name", "region", "projectId"],
  },
  // The PostgreSQL provider's objects inside the managed instance (components/database): dropping the
  // database or the schema drops every table in it; dropping a role drops its password and memberships, and
  // the app's connections fail until it is back.
  // Sources: cyrilgdn/terraform-provider-postgresql (what @pulumi/postgresql bridges), postgresql/
  // resource_postgresql_database.go: `template`, `encoding`, `lc_collate`, `lc_ctype` are ForceNew, a `name`
  // change is `ALTER DATABASE .. RENAME` (verified:
  // https://github.com/cyrilgdn/terraform-provider-postgresql/blob/main/postgresql/resource_postgresql_database.go);
  // resource_postgresql_schema.go: `database` is ForceNew, a `name` change is `ALTER SCHEMA .. RENAME`
  // (verified: https://github.com/cyrilgdn/terraform-provider-postgresql/blob/main/postgresql/resource_postgresql_schema.go).
  // Roles: no input is ForceNew and a rename is `ALTER ROLE .. RENAME` (assumed, not checked in the source);
  // a delete is what loses them, which the guard catches whatever the inputs.
  {
    type: "postgresql:index/database:Database",
    loss: "the application database inside the managed instance, with every table and row",
    replaceOn: ["template", "encoding", "lcCollate", "lcCtype"],
  },
  {
    type: "postgresql:index/schema:Schema",
    loss: "the application schema with every table in it",
    replaceOn: ["database"],
  },
  {
    type: "postgresql:index/role:Role",
    loss: "a database role (its password, memberships and the objects it owns); the app or the migrator cannot log in until it is back",
    replaceOn: [],
  },
  {
    type: "scaleway:domain/zone:Zone",
    loss: "the Scaleway DNS zone and its records",
    replaceOn: ["domain", "subdomain", "projectId"],
  },
];

const BY_TYPE = new Map(STATEFUL_TYPES.map((t) => [t.type, t]));

export function statefulType(type: string): StatefulType | undefined {
  return BY_TYPE.get(type);
}

/**
 * The type token of a URN: the last `$`-separated segment of the qualified type
 * (`urn:pulumi:<stack>::<project>::<parent$type>::<name>`). Names may contain `::`, so split on the
 * first three separators only. https://www.pulumi.com/docs/iac/concepts/resources/names/#urns
 */
export function typeFromUrn(urn: string): string | undefined {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0]!.startsWith("urn:pulumi:")) return undefined;
  const qualified = parts[2]!;
  const segments = qualified.split("$");
  return segments[segments.length - 1];
}
