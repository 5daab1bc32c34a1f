import { cfCacheNoDynamic as policy } from "./cf-cache-no-dynamic";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const expr = (e: string) => mutate(fx.cacheRules(), "rules.1.expression", e);

describe("cf-cache-no-dynamic", () => {
  test("passes with /api bypass and cached assets", () => expectPass(policy, fx.cacheRules()));
  test("passes with a negated API clause", () =>
    expectPass(policy, expr('(http.request.uri.path.extension in {"js" "css"} and not starts_with(http.request.uri.path, "/api/"))')));
  test("fails when /api/ is cacheable", () => expectViolation(policy, expr('(starts_with(http.request.uri.path, "/api/v1"))'), '"/api/" responses eligible'));
  test("fails when /api/ follows an unrelated negation", () =>
    expectViolation(policy, expr('(not http.cookie contains "session" and starts_with(http.request.uri.path, "/api/"))'), '"/api/" responses eligible'));
  test("fails when writes are cacheable", () =>
    expectViolation(policy, expr('(starts_with(http.request.uri.path, "/assets/") or http.request.method eq "POST")'), "write requests"));
  test("fails when the rule matches everything", () => expectViolation(policy, expr("true"), "without restricting the path"));
  test("fails when the rule matches a host only", () => expectViolation(policy, expr('http.host eq "app.renfort.example.fr"'), "without restricting the path"));
  test("fails with a TTL above one year", () =>
    expectViolation(policy, mutate(fx.cacheRules(), "rules.1.actionParameters.edgeTtl", { mode: "override_origin", default: 63072000 }), "above 31536000s"));
});
