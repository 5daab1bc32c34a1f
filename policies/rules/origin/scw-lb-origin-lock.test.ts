import { scwLbOriginLock as policy } from "./scw-lb-origin-lock";
import { fx, find, mutate, replace } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const stack = () => [fx.frontend(80), fx.frontend(443), ...fx.lbAcls()];
const allow = () => find(stack(), "lb-acl-allow-cloudflare");

describe("scw-lb-origin-lock", () => {
  test("passes with Cloudflare allows and a final deny", () => expectPass(policy, stack()));
  test("fails without a catch-all deny", () => expectViolation(policy, stack().filter((r) => r.name !== "lb-acl-deny-others"), "no catch-all deny"));
  test("fails when an allow is open to the world", () =>
    expectViolation(policy, replace(stack(), mutate(allow(), "match.ipSubnets", ["0.0.0.0/0"])), "outside Cloudflare's published ranges (0.0.0.0/0)"));
  test("fails when an allow has no source restriction", () =>
    expectViolation(policy, replace(stack(), mutate(allow(), "match.ipSubnets", undefined)), "allows every source"));
  test("passes with an extra allowed probe range in config", () =>
    expectPass(policy, replace(stack(), mutate(allow(), "match.ipSubnets", ["203.0.113.0/28"])), { extraAllowedCidrs: ["203.0.113.0/24"] }));
});
