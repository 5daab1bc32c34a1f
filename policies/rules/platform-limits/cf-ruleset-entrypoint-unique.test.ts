import { cfRulesetEntrypointUnique as policy } from "./cf-ruleset-entrypoint-unique";
import { ZONE_ID, urnOf } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";
import type { GateResource } from "../../lib/run";

const TYPE = "cloudflare:index/ruleset:Ruleset";
const ruleset = (name: string, phase: unknown, extra: Record<string, unknown> = {}): GateResource => ({
  urn: urnOf(TYPE, name),
  type: TYPE,
  name,
  props: { zoneId: ZONE_ID, kind: "zone", name, phase, rules: [], ...extra },
  protect: false,
  dependencies: [],
});

describe("cf-ruleset-entrypoint-unique", () => {
  test("passes for one entry point per phase", () => expectPass(policy, [ruleset("edge-waf-custom", "http_request_firewall_custom"), ruleset("edge-rate-limits", "http_ratelimit")]));
  test("passes for custom rulesets of the same phase (not entry points)", () =>
    expectPass(policy, [ruleset("edge-rate-limits", "http_ratelimit"), ruleset("custom", "http_ratelimit", { kind: "custom" })]));
  test("passes for the same phase in two zones", () => expectPass(policy, [ruleset("a", "http_ratelimit"), ruleset("b", "http_ratelimit", { zoneId: "f".repeat(32) })]));
  test("fails for a second zone entry point of a phase, on the second", () =>
    expectViolation(policy, [ruleset("edge-rate-limits", "http_ratelimit"), ruleset("extra-limits", "http_ratelimit")], "second zone entry point for phase http_ratelimit", {}, urnOf(TYPE, "extra-limits")));
  test("fails for two account entry points of a phase", () =>
    expectViolation(policy, [ruleset("a", "http_request_firewall_custom", { kind: "root", accountId: "acc", zoneId: undefined }), ruleset("b", "http_request_firewall_custom", { kind: "root", accountId: "acc", zoneId: undefined })], "second root entry point"));
  test("is undecided when a phase is unknown", () => expectUndecided(policy, [ruleset("a", "http_ratelimit"), ruleset("b", UNKNOWN)]));
});
