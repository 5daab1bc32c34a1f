/** Scaleway load balancer ACL evaluation helpers (frontend ACLs run by ascending index; no match = forward). */
import type { PolicyResource } from "@pulumi/policy";
import { T, type LbAclProps, type LbFrontendProps } from "./types";

export interface AclEntry {
  index: number;
  action: NonNullable<LbAclProps["action"]>;
  match?: LbAclProps["match"];
  urn: string;
  label: string;
}

const ANY = ["0.0.0.0/0", "::/0"];

/** Separate Acl resources attached to the frontend (they depend on it) plus its inline `acls`. */
export function aclsOf(frontend: PolicyResource, resources: readonly PolicyResource[]): AclEntry[] {
  const separate = resources
    .filter((r) => (T.lbAcl as readonly string[]).includes(r.type) && r.dependencies.some((d) => d.urn === frontend.urn))
    .map((r) => {
      const p = r.props as Partial<LbAclProps>;
      return { index: Number(p.index ?? 0), action: p.action!, match: p.match, urn: r.urn, label: `ACL ${r.name}` };
    });
  const inline = ((frontend.props as Partial<LbFrontendProps>).acls ?? []).map((a, i) => ({
    index: i,
    action: a.action,
    match: a.match,
    urn: frontend.urn,
    label: `inline ACL ${a.name ?? i}`,
  }));
  return [...separate, ...inline].sort((a, b) => a.index - b.index);
}

/** True when the ACL matches every request (no HTTP filter, every source). */
export function matchesEverything(m: AclEntry["match"]): boolean {
  if (!m) return true;
  if (m.invert) return false;
  if (m.httpFilter && m.httpFilter !== "acl_http_filter_none") return false;
  if (m.ipsEdgeServices) return false;
  const subnets = m.ipSubnets ?? [];
  return subnets.length === 0 || subnets.some((s) => ANY.includes(s.trim()));
}

export function frontendsOf(resources: readonly PolicyResource[]): PolicyResource[] {
  return resources.filter((r) => (T.lbFrontend as readonly string[]).includes(r.type));
}

export function portOf(frontend: PolicyResource): number {
  return Number((frontend.props as Partial<LbFrontendProps>).inboundPort);
}
