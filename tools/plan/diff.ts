/**
 * Plan diff: what a change to the program does to a stack, computed from two Plan JSON documents
 * (the base ref and the working tree) without credentials. Pure: no I/O, no clock.
 *
 * Matching is by URN, as the engine does (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns):
 * a resource whose URN changes (renamed, re-parented) is a delete plus a create unless an alias says
 * otherwise, so it shows as removed + added, with a hint when the pair looks like a move.
 */
import {
  JsonValue,
  PlanJson,
  PlanJsonResource,
  PlanJsonViolation,
  SECRET_PLACEHOLDER,
} from "./plan-json";
import { createHash } from "node:crypto";
import { statefulType } from "../release/stateful-types";
import { fleetReplacement, type FleetReplacement } from "./diff-fleet";

/** One difference at a property path. */
export interface ValueChange {
  /** Property path in Pulumi's notation: `settings.max_connections`, `rules[ref=geo-ban].expression`, `tags`. */
  path: string;
  /**
   * - `added` / `removed`: the key exists on one side only;
   * - `changed`: both sides have a value and they differ;
   * - `reordered`: a keyed list has the same entries in another order (order is evaluation order for rulesets);
   * - `secret`: both sides are "[secret]", so equality cannot be decided offline;
   * - `secret-changed`: a secret whose keyed fingerprint differs (value never shown).
   */
  kind: "added" | "removed" | "changed" | "reordered" | "secret" | "secret-changed";
  before?: JsonValue;
  after?: JsonValue;
}

export interface ResourceRef {
  urn: string;
  type: string;
  name: string;
  /** The type is in the stateful list (tools/release/stateful-types.ts). */
  stateful: boolean;
}

export interface AddedResource extends ResourceRef {
  inputs: Record<string, JsonValue>;
  protect: boolean;
}

export interface RemovedResource extends ResourceRef {
  protect: boolean;
  /** URN of an added resource with the same type and name: the engine will delete and re-create unless aliased. */
  movedTo?: string;
}

export interface ChangedResource extends ResourceRef {
  /** Input differences, sorted by path. Secret entries only appear next to visible changes. */
  changes: ValueChange[];
  /** The `protect` option flipped. */
  protect?: { before: boolean; after: boolean };
  /** Top-level inputs whose change makes the provider replace this resource (stateful types only). */
  replaceReasons: string[];
}

/** A stateful resource at risk: it needs a reviewer's explicit attention. */
export interface StatefulRisk extends ResourceRef {
  action: "delete" | "replace" | "risky-update";
  /** Why: the inputs that trigger the replacement, or the provider's warning. */
  reasons: string[];
  /** What is lost (from the stateful-types table). */
  loss: string;
}

export interface VerdictDiff {
  /** Violations present at head and not at base. */
  introduced: PlanJsonViolation[];
  /** Violations present at base and gone at head. */
  resolved: PlanJsonViolation[];
  /** Same policy, resource and message, but level or undecided changed. */
  changed: { before: PlanJsonViolation; after: PlanJsonViolation }[];
}

export interface PlanDiff {
  stack: string;
  baseStack: string;
  added: AddedResource[];
  removed: RemovedResource[];
  changed: ChangedResource[];
  unchangedCount: number;
  statefulRisks: StatefulRisk[];
  violations: VerdictDiff;
  /** Differences in the capacity verdict (paths relative to `capacity`). */
  capacity: ValueChange[];
  /** Differences in the email validation verdict (paths relative to `email`). */
  email: ValueChange[];
  /** Differences in stack outputs. */
  outputs: ValueChange[];
  /** The fleet runs another release: new instance groups replace the old ones (components/fleet/release.ts). */
  fleet?: FleetReplacement;
}

/** Fields that identify an element of a list of objects, in order of preference (stable keys, never indexes). */
const LIST_KEYS = ["ref", "key", "id", "name", "settingId", "description"] as const;

function isRecord(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function childPath(base: string, key: string): string {
  const simple = /^[A-Za-z_$][\w$-]*$/.test(key);
  if (simple) return base === "" ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/** The field that identifies every element of both lists uniquely, if any. */
function listKey(a: JsonValue[], b: JsonValue[]): string | undefined {
  if (a.length + b.length === 0) return undefined;
  const all = [...a, ...b];
  if (!all.every(isRecord)) return undefined;
  for (const key of LIST_KEYS) {
    const ok = [a, b].every((list) => {
      const seen = new Set<string>();
      for (const el of list as { [k: string]: JsonValue }[]) {
        const v = el[key];
        if (typeof v !== "string" || v === "" || v === SECRET_PLACEHOLDER || seen.has(v)) return false;
        seen.add(v);
      }
      return true;
    });
    if (ok) return key;
  }
  return undefined;
}

/**
 * Differences between two JSON values, appended to `out`. Objects recurse by key; lists of objects
 * with a stable identifying field recurse by that field (so inserting a WAF rule does not shift every
 * rule after it); other lists of the same length recurse by index; lists of scalars of different
 * lengths are reported whole, which reads better than index noise.
 */
export function diffValues(path: string, before: JsonValue | undefined, after: JsonValue | undefined, out: ValueChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ path, kind: "added", after: after as JsonValue });
    return;
  }
  if (after === undefined) {
    out.push({ path, kind: "removed", before });
    return;
  }
  if (before === SECRET_PLACEHOLDER && after === SECRET_PLACEHOLDER) {
    out.push({ path, kind: "secret" });
    return;
  }
  if (deepEqual(before, after)) return;
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) diffValues(childPath(path, key), before[key], after[key], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = listKey(before, after);
    if (key !== undefined) {
      const index = (list: JsonValue[]) =>
        new Map((list as { [k: string]: JsonValue }[]).map((el) => [el[key] as string, el as JsonValue]));
      const bi = index(before);
      const ai = index(after);
      const ids = [...new Set([...bi.keys(), ...ai.keys()])];
      for (const id of ids) diffValues(`${path}[${key}=${id}]`, bi.get(id), ai.get(id), out);
      const commonBefore = [...bi.keys()].filter((id) => ai.has(id));
      const commonAfter = [...ai.keys()].filter((id) => bi.has(id));
      if (commonBefore.some((id, i) => commonAfter[i] !== id)) {
        out.push({ path, kind: "reordered", before: commonBefore, after: commonAfter });
      }
      return;
    }
    const scalars = [...before, ...after].every((v) => !isRecord(v) && !Array.isArray(v));
    if (before.length !== after.length && scalars) {
      out.push({ path, kind: "changed", before, after });
      return;
    }
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) diffValues(`${path}[${i}]`, before[i], after[i], out);
    return;
  }
  out.push({ path, kind: "changed", before, after });
}

/** Top-level input name of a path (`settings.max_connections` -> `settings`). */
function rootKey(path: string): string {
  const m = /^([^.[]+)/.exec(path);
  return m ? m[1]! : path;
}

function ref(r: PlanJsonResource): ResourceRef {
  return { urn: r.urn, type: r.type, name: r.name, stateful: statefulType(r.type) !== undefined };
}

/**
 * A dynamic resource's `__provider` input is its provider's serialized code (kilobytes of JavaScript,
 * https://www.pulumi.com/docs/iac/concepts/resources/dynamic-providers/): reviewed as source in the pull
 * request, so the diff shows a short digest of it instead of the text.
 */
function withProviderDigest(inputs: Record<string, JsonValue>): Record<string, JsonValue> {
  const code = inputs.__provider;
  if (typeof code !== "string") return inputs;
  return { ...inputs, __provider: `serialized provider code, sha256:${createHash("sha256").update(code).digest("hex").slice(0, 12)}` };
}

/** Changes of one resource present on both sides; `undefined` when nothing visible changed. */
function diffResource(base: PlanJsonResource, head: PlanJsonResource): ChangedResource | undefined {
  let all: ValueChange[] = [];
  diffValues("", withProviderDigest(base.inputs), withProviderDigest(head.inputs), all);
  const bf = base.secretFingerprints;
  const hf = head.secretFingerprints;
  if (bf && hf) {
    // Both plans fingerprinted their secrets with the same key: compare them instead of guessing.
    // Only paths secret on both sides; a secret appearing or going away is already a visible change.
    all = all.filter((c) => c.kind !== "secret");
    for (const path of Object.keys(hf).sort()) {
      if (bf[path] !== undefined && bf[path] !== hf[path]) all.push({ path, kind: "secret-changed" });
    }
    all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  const visible = all.filter((c) => c.kind !== "secret");
  const protectChanged = Boolean(base.protect) !== Boolean(head.protect);
  // Both sides "[secret]": the plan cannot tell whether the value changed. Saying "maybe" on every
  // resource with a secret would drown the real changes, so it is only mentioned next to visible ones.
  if (visible.length === 0 && !protectChanged) return undefined;
  const changes = all;
  const st = statefulType(head.type);
  const replaceReasons = st
    ? [...new Set(visible.map((c) => rootKey(c.path)).filter((k) => st.replaceOn.includes(k)))].sort()
    : [];
  const out: ChangedResource = { ...ref(head), changes, replaceReasons };
  if (protectChanged) out.protect = { before: Boolean(base.protect), after: Boolean(head.protect) };
  return out;
}

function violationKey(v: PlanJsonViolation): string {
  return `${v.policy}\u0000${v.urn ?? ""}\u0000${v.message}`;
}

function diffViolations(base: PlanJsonViolation[], head: PlanJsonViolation[]): VerdictDiff {
  const bm = new Map(base.map((v) => [violationKey(v), v]));
  const hm = new Map(head.map((v) => [violationKey(v), v]));
  const introduced = [...hm].filter(([k]) => !bm.has(k)).map(([, v]) => v);
  const resolved = [...bm].filter(([k]) => !hm.has(k)).map(([, v]) => v);
  const changed = [...hm]
    .filter(([k, v]) => {
      const b = bm.get(k);
      return b !== undefined && (b.level !== v.level || Boolean(b.undecided) !== Boolean(v.undecided));
    })
    .map(([k, after]) => ({ before: bm.get(k)!, after }));
  const order = (a: PlanJsonViolation, b: PlanJsonViolation) =>
    (a.level === b.level ? 0 : a.level === "mandatory" ? -1 : 1) || violationKey(a).localeCompare(violationKey(b));
  return { introduced: introduced.sort(order), resolved: resolved.sort(order), changed };
}

/** Verdict differences with `secret` entries dropped (a verdict never carries comparable secrets). */
function diffDocument(before: JsonValue | undefined, after: JsonValue | undefined): ValueChange[] {
  const out: ValueChange[] = [];
  diffValues("", before, after, out);
  return out.map((c) => (c.path === "" ? { ...c, path: "(whole verdict)" } : c));
}

/**
 * Compares the plan of `base` (e.g. the target branch) with the plan of `head` (the change under review).
 */
export function diffPlans(base: PlanJson, head: PlanJson): PlanDiff {
  const baseByUrn = new Map(base.resources.map((r) => [r.urn, r]));
  const headByUrn = new Map(head.resources.map((r) => [r.urn, r]));
  const byUrn = (a: { urn: string }, b: { urn: string }) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0);

  const added: AddedResource[] = head.resources
    .filter((r) => !baseByUrn.has(r.urn))
    .map((r) => ({ ...ref(r), inputs: r.inputs, protect: Boolean(r.protect) }))
    .sort(byUrn);

  const removed: RemovedResource[] = base.resources
    .filter((r) => !headByUrn.has(r.urn))
    .map((r) => {
      const twin = added.find((a) => a.type === r.type && a.name === r.name);
      const out: RemovedResource = { ...ref(r), protect: Boolean(r.protect) };
      if (twin) out.movedTo = twin.urn;
      return out;
    })
    .sort(byUrn);

  const changed: ChangedResource[] = [];
  let unchangedCount = 0;
  for (const h of head.resources) {
    const b = baseByUrn.get(h.urn);
    if (!b) continue;
    const c = diffResource(b, h);
    if (c) changed.push(c);
    else unchangedCount++;
  }
  changed.sort(byUrn);

  const statefulRisks: StatefulRisk[] = [];
  for (const r of removed) {
    const st = statefulType(r.type);
    if (!st) continue;
    statefulRisks.push({
      ...r,
      action: r.movedTo ? "replace" : "delete",
      reasons: r.movedTo ? [`URN changes to ${r.movedTo} (add an alias to keep the resource)`] : ["removed from the program"],
      loss: st.loss,
    });
  }
  for (const c of changed) {
    const st = statefulType(c.type);
    if (!st) continue;
    if (c.replaceReasons.length > 0) {
      statefulRisks.push({ ...c, action: "replace", reasons: c.replaceReasons.map((k) => `\`${k}\` changes`), loss: st.loss });
      continue;
    }
    const risky = Object.entries(st.riskyOn ?? {}).filter(([k]) =>
      c.changes.some((ch) => ch.kind !== "secret" && rootKey(ch.path) === k),
    );
    if (risky.length > 0) {
      statefulRisks.push({ ...c, action: "risky-update", reasons: risky.map(([, why]) => why), loss: st.loss });
    }
  }
  statefulRisks.sort(byUrn);
  const fleet = fleetReplacement(base, head);

  return {
    stack: head.stack,
    baseStack: base.stack,
    added,
    removed,
    changed,
    unchangedCount,
    statefulRisks,
    violations: diffViolations(base.violations ?? [], head.violations ?? []),
    capacity: diffDocument(base.capacity, head.capacity),
    email: diffDocument(base.email, head.email),
    ...(fleet ? { fleet } : {}),
    outputs: diffDocument(base.outputs, head.outputs).filter(
      (c) =>
        c.kind !== "secret" &&
        // the plan copies the capacity verdict from the outputs, and a plan made before the email verdict
        // moved into the plan (an older --diff-against ref) still exports it there: both have their own sections
        !(head.capacity !== undefined && /^capacity(\.|\[|$)/.test(c.path)) &&
        !(head.email !== undefined && /^email\.validation(\.|\[|$)/.test(c.path)),
    ),
  };
}

/** True when the diff has nothing to show. */
export function isEmptyDiff(d: PlanDiff): boolean {
  return (
    d.added.length + d.removed.length + d.changed.length === 0 &&
    d.violations.introduced.length + d.violations.resolved.length + d.violations.changed.length === 0 &&
    d.capacity.length + d.email.length + d.outputs.length === 0
  );
}
