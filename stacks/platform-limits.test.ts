/**
 * The committed stacks against the pack's platform-limits area (what the providers' real APIs refuse):
 * the program the offline plan evaluates passes every one of them, the policy config's Cloudflare plan is the
 * stack's own, and the same program checked against a smaller plan is refused.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planStack } from "../tools/plan/plan";
import { committedStack } from "../tools/plan/testing";
import { check } from "../policies/testing/check";
import { platformLimitsPolicies } from "../policies/rules/platform-limits";
import { cfRateLimitPlan } from "../policies/rules/platform-limits/cf-rate-limit-plan";

const policyConfig = (stack: string) => JSON.parse(readFileSync(join(__dirname, "..", "policies", "config", `${stack}.json`), "utf8")) as Record<string, Record<string, unknown>>;

describe.each(["staging", "prod"] as const)("%s and the platform-limits policies", (stack) => {
  let plan: Awaited<ReturnType<typeof planStack>>["plan"];
  beforeAll(async () => {
    ({ plan } = await planStack({ stack }));
  });

  it("the committed stack violates none of them", () => {
    const names = new Set(platformLimitsPolicies.map((p) => p.name));
    expect(plan.violations.filter((v) => names.has(v.policy))).toEqual([]);
  });

  it("cf-rate-limit-plan is configured with the stack's own Cloudflare plan", () => {
    expect(policyConfig(stack)["cf-rate-limit-plan"].plan).toBe(committedStack(stack).config.edge.plan);
  });

  it("the rate limits built for the stack's plan are refused for a Free zone", async () => {
    const ruleset = plan.resources.find((r) => r.type === "cloudflare:index/ruleset:Ruleset" && r.inputs.phase === "http_ratelimit");
    if (!ruleset) throw new Error("no http_ratelimit ruleset in the plan");
    const gate = { urn: ruleset.urn, type: ruleset.type, name: ruleset.name, props: ruleset.inputs as Record<string, unknown>, protect: ruleset.protect, dependencies: ruleset.dependsOn };
    expect(await check(cfRateLimitPlan, gate, { plan: committedStack(stack).config.edge.plan })).toEqual([]);
    const onFree = (await check(cfRateLimitPlan, gate, { plan: "free" })).map((o) => o.message);
    expect(onFree).toEqual(expect.arrayContaining([expect.stringContaining("2 rate limiting rules, the free plan allows 1"), expect.stringContaining("over the free plan's 10 s")]));
  });
});
