/**
 * Test helper: a `pulumi preview --json` document built from what the real program declares (the offline
 * plan, tools/plan), so the stateful guard's tests run on URNs the program really has. Renaming a resource
 * in a component changes its URN here, and a test looking the old name up fails.
 *
 * The shape is the one `pulumi preview --json` prints and tools/release/stateful-guard.ts reads:
 * `{ config, steps: [{ op, urn, provider, oldState, newState, diffReasons, replaceReasons, detailedDiff }],
 * changeSummary }` (https://www.pulumi.com/docs/iac/cli/commands/pulumi_preview/; a replacement is the
 * three steps `create-replacement`, `replace`, `delete-replaced` on one URN, a removal one `delete` with
 * only `oldState`, an addition one `create` with only `newState`).
 */
import type { PlanJson, PlanJsonResource } from "../../plan/plan-json";

/** A change to plan on one resource of the program, found by its type and name. */
export type PreviewChange =
  | { op: "replace"; type: string; name: string; replaceReasons: string[] }
  | { op: "delete"; type: string; name: string }
  | { op: "update"; type: string; name: string; diffReasons: string[] };

interface StepState {
  urn: string;
  custom: boolean;
  type: string;
  inputs: unknown;
  outputs: unknown;
  parent: string | null;
  protect: boolean;
  provider: string;
}

interface Step {
  op: string;
  urn: string;
  provider: string;
  oldState?: StepState;
  newState?: StepState;
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, { kind: string; inputDiff: boolean }>;
}

export interface PreviewDocument {
  config: Record<string, string>;
  steps: Step[];
  changeSummary: Record<string, number>;
}

/** The resource of the plan with this type and name; throws naming what the plan has, so a rename is plain. */
export function planResource(plan: Pick<PlanJson, "resources">, type: string, name: string): PlanJsonResource {
  const r = plan.resources.find((x) => x.type === type && x.name === name);
  if (!r) {
    const same = plan.resources.filter((x) => x.type === type).map((x) => x.name);
    throw new Error(`the program declares no ${type} named ${name}; it declares ${same.length ? same.join(", ") : "none of that type"}`);
  }
  return r;
}

function state(r: PlanJsonResource): StepState {
  return {
    urn: r.urn,
    // Component resources (the program's own `renfort:*` types) only group children.
    custom: !r.type.startsWith("renfort:"),
    type: r.type,
    inputs: r.inputs,
    outputs: r.inputs,
    parent: r.parent ?? null,
    protect: r.protect,
    provider: "",
  };
}

/** Steps for every resource of the plan (`same` unless a change names it), in declaration order. */
export function previewFromPlan(plan: Pick<PlanJson, "stack" | "resources">, changes: readonly PreviewChange[] = []): PreviewDocument {
  const byUrn = new Map<string, PreviewChange>();
  for (const c of changes) byUrn.set(planResource(plan, c.type, c.name).urn, c);
  const steps: Step[] = [];
  const late: Step[] = [];
  const summary: Record<string, number> = {};
  const count = (op: string) => (summary[op] = (summary[op] ?? 0) + 1);
  for (const r of plan.resources) {
    const c = byUrn.get(r.urn);
    const base = { urn: r.urn, provider: "" };
    if (!c) {
      steps.push({ op: "same", ...base, oldState: state(r), newState: state(r) });
      count("same");
    } else if (c.op === "delete") {
      steps.push({ op: "delete", ...base, oldState: state(r) });
      count("delete");
    } else if (c.op === "update") {
      const detailedDiff = Object.fromEntries(c.diffReasons.map((k) => [k, { kind: "update", inputDiff: true }]));
      steps.push({ op: "update", ...base, oldState: state(r), newState: state(r), diffReasons: c.diffReasons, detailedDiff });
      count("update");
    } else {
      const detailedDiff = Object.fromEntries(c.replaceReasons.map((k) => [k, { kind: "update-replace", inputDiff: true }]));
      const diff = { diffReasons: c.replaceReasons, replaceReasons: c.replaceReasons, detailedDiff };
      steps.push({ op: "create-replacement", ...base, oldState: state(r), newState: state(r), ...diff });
      steps.push({ op: "replace", ...base, oldState: state(r), newState: state(r), ...diff });
      // The engine deletes the replaced resource at the end of the update (create-before-delete).
      late.push({ op: "delete-replaced", ...base, oldState: state(r) });
      count("replace");
    }
  }
  return { config: { "renfort:tier": plan.stack }, steps: [...steps, ...late], changeSummary: summary };
}
