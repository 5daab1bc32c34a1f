import { cfGeoBan as policy } from "./cf-geo-ban";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const geo = (expression: string) => mutate(fx.wafCustom(), "rules.0.expression", expression);

describe("cf-geo-ban", () => {
  test("passes for a ban on KP and RU", () => expectPass(policy, fx.wafCustom()));
  test("passes for a skip rule on FR (an exception, not a ban)", () =>
    expectPass(policy, mutate(geo('ip.src.country eq "FR"'), "rules.0.action", "skip")));
  test("fails when FR is banned", () => expectViolation(policy, geo('(ip.src.country in {"RU" "FR"})'), "bans protected countries FR"));
  test("fails when an overseas territory is banned", () => expectViolation(policy, geo('ip.src.country eq "RE"'), "protected countries RE"));
  test("fails on the French territories with reserved codes (FX, CP)", async () => {
    await expectViolation(policy, geo('ip.src.country in {"RU" "FX"}'), "protected countries FX");
    await expectViolation(policy, geo('ip.src.country eq "CP"'), "protected countries CP");
  });
  test("passes a ban written in the deprecated field's positive form", () => expectPass(policy, geo('ip.geoip.country in {"KP"}')));
  test("passes a positive ban combined with other conditions", () =>
    expectPass(policy, geo('(ip.src.country in {"KP" "RU"}) and http.request.uri.path eq "/api/volunteers"')));

  // Fail closed: a mention of the country the policy cannot read is a violation, not a pass.
  test.each([
    ["lower()", 'lower(ip.src.country) eq "ru"', "passed through lower()"],
    ["upper()", 'upper(ip.src.country) in {"RU"}', "passed through upper()"],
    ["a function argument", 'concat("x-", ip.src.country) eq "x-RU"', "an argument of a function"],
    ["wildcard", 'ip.src.country wildcard "R*"', 'compared with "wildcard"'],
    ["strict wildcard", 'ip.src.country strict wildcard "R*"', 'compared with "strict"'],
    ["matches", 'ip.src.country matches "^R"', 'compared with "matches"'],
    ["~", 'ip.src.country ~ "^R"', 'compared with "~"'],
    ["contains", 'ip.src.country contains "R"', 'compared with "contains"'],
    ["a named list", "ip.src.country in $banned_countries", "compared with a named list"],
    ["not", 'not ip.src.country in {"DE"}', "tested under a negation"],
    ["not of a positive set that names all of France", 'not ip.src.country in {"FR" "FX" "GP" "MQ" "GF" "RE" "YT" "PM" "BL" "MF" "WF" "PF" "NC" "TF" "CP"}', "tested under a negation"],
    ["!", '!(ip.src.country eq "RU")', "tested under a negation"],
    ["a negated group", 'not (http.request.uri.path eq "/health" and ip.src.country in {"RU"})', "tested under a negation"],
    ["ne", 'ip.src.country ne "BE"', 'compared with "ne" (a negation)'],
    ["!=", 'ip.src.country != "BE"', 'compared with "!=" (a negation)'],
    ["the deprecated field, negated", 'ip.geoip.country ne "BE"', 'compared with "ne"'],
    ["a set of fields", 'ip.src.country in {http.host}', "compared with a set holding http.host"],
    ["a comparison with a field", "ip.src.country eq http.host", "compared with something other than a string literal"],
  ])("fails on %s", (_form, expression, why) =>
    expectViolation(policy, geo(expression), new RegExp(`cannot check \\(ip\\.(src|geoip)\\.country is ${why.replace(/[()$.*+?^|[\]\\]/g, "\\$&")}`)));
  test("fails even if the config forgot FR", () =>
    expectViolation(policy, geo('ip.src.country in {"FR"}'), "protected countries FR", { protectedCountries: ["DE"] }));
  test("fails on an invalid code", () => expectViolation(policy, geo('ip.src.country in {"RUS"}'), "invalid country codes RUS"));
  test("fails on a disallowed action", () => expectViolation(policy, mutate(fx.wafCustom(), "rules.0.action", "js_challenge"), 'action "js_challenge"'));
});
