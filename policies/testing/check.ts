/** Test helpers: run one policy over fixtures and assert on its outcomes. */
import type { RenfortPolicy } from "../lib/policy";
import { runResourcePolicy, runStackPolicy, type GateResource, type Outcome } from "../lib/run";
import { SECRET_VALUE } from "./fixtures";

export async function check(policy: RenfortPolicy, input: GateResource | GateResource[], config: object = {}): Promise<Outcome[]> {
  const list = Array.isArray(input) ? input : [input];
  const byUrn = new Map(list.map((r) => [r.urn, r]));
  const out: Outcome[] = [];
  if (policy.kind === "stack") {
    const o = await runStackPolicy(policy, list, config);
    if (o !== "not-applicable") out.push(...o);
  } else {
    for (const r of list) {
      const o = await runResourcePolicy(policy, r, config, byUrn);
      if (o !== "not-applicable") out.push(...o);
    }
  }
  for (const o of out) expect(o.message).not.toContain(SECRET_VALUE);
  return out;
}

export async function expectPass(policy: RenfortPolicy, input: GateResource | GateResource[], config: object = {}) {
  expect(await check(policy, input, config)).toEqual([]);
}

/** Expects a decided violation whose message contains `fragment` (and, if given, on `urn`). */
export async function expectViolation(
  policy: RenfortPolicy,
  input: GateResource | GateResource[],
  fragment: string | RegExp,
  config: object = {},
  urn?: string,
) {
  const out = await check(policy, input, config);
  const hit = out.find((o) => !o.undecided && (typeof fragment === "string" ? o.message.includes(fragment) : fragment.test(o.message)));
  if (!hit) throw new Error(`expected a violation matching ${String(fragment)}, got ${JSON.stringify(out, null, 2)}`);
  if (urn) expect(hit.urn).toBe(urn);
  return out;
}

export async function expectUndecided(policy: RenfortPolicy, input: GateResource | GateResource[], config: object = {}) {
  const out = await check(policy, input, config);
  expect(out.some((o) => o.undecided)).toBe(true);
  return out;
}
