/**
 * What makes a fleet release, as pure functions: its id (a hash of what the instances run) and how the
 * capacity model's instance counts are spread over one instance group per load balancer.
 *
 * Why a new instance group per release: in the Scaleway provider, a change of the instance template
 * (cloud-init included) is an in-place update, the group's `template_id` is neither sent on update nor
 * marked ForceNew, and the autoscaling API has no rolling update, so a new image or env would reach only
 * instances created later. Verified in terraform-provider-scaleway v2.79.0 (the version
 * @pulumiverse/scaleway 1.53+ bundles): internal/services/autoscaling/instance_group.go
 * (ResourceInstanceGroupUpdate sends name, tags, capacity, load_balancer only; no ForceNew in the package)
 * and scaleway-sdk-go api/autoscaling/v1alpha1 (UpdateInstanceGroupRequest has no template id).
 * https://github.com/scaleway/terraform-provider-scaleway/blob/v2.79.0/internal/services/autoscaling/instance_group.go
 */
import { createHash } from "node:crypto";
import type { CapacityVerdict } from "./capacity";

/** What the instances of a release run, known when the program runs (no secret, no unknown). */
export interface ReleaseFacts {
  /** Image reference, `<registry>/<repository>@sha256:<digest>`. */
  image: string;
  /** The app's plain environment. */
  plainEnv: Record<string, string>;
}

/** JSON with object keys sorted, so the hash does not depend on insertion order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The release id: 10 hex digits of SHA-256 over the image reference and the plain env. It names the
 * release's instance groups and templates (`<fleet>-group-<key>-<id>`), so a change of either is a new
 * group created beside the old one, never an in-place update the running instances would not see.
 */
export function releaseId(facts: ReleaseFacts): string {
  if (!/@sha256:[0-9a-f]{64}$/.test(facts.image)) throw new Error(`the fleet's image must be pinned by digest (<repository>@sha256:<64 hex>), got ${JSON.stringify(facts.image)}`);
  return createHash("sha256").update(canonical({ image: facts.image, plainEnv: facts.plainEnv })).digest("hex").slice(0, 10);
}

/**
 * Fingerprint of the secrets a release runs with: 12 hex digits of SHA-256 over the values, tagged so
 * the same values hashed elsewhere give another digest. One-way and truncated: it tells reviewers and
 * the template's name that the secrets changed, never what they are.
 */
export function secretsFingerprint(secrets: Record<string, string>): string {
  return createHash("sha256").update("renfort-fleet-secrets\0").update(canonical(secrets)).digest("hex").slice(0, 12);
}

export interface GroupCapacity {
  minReplicas: number;
  maxReplicas: number;
}

/**
 * The capacity model's totals spread over `groups` instance groups (one per load balancer and zone):
 * each group runs ceil(min / groups) (at least one, so every load balancer has a server) and at most
 * floor(max / groups), never below its own minimum. The totals stay within the connection budget the
 * model checked at `maxInstances`, except that a group's minimum rounds up.
 */
export function groupCapacity(verdict: Pick<CapacityVerdict, "minInstances" | "maxInstances">, groups: number): GroupCapacity {
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`the fleet needs at least one load balancer to register in, got ${groups}`);
  const minReplicas = Math.max(1, Math.ceil(verdict.minInstances / groups));
  const maxReplicas = Math.max(minReplicas, Math.floor(verdict.maxInstances / groups));
  return { minReplicas, maxReplicas };
}
