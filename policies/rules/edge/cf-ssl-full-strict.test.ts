import { cfSslFullStrict as policy } from "./cf-ssl-full-strict";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";

const stack = () => [...fx.edgeSettings(), fx.wafManaged()];

describe("cf-ssl-full-strict", () => {
  test("passes with ssl=strict", () => expectPass(policy, stack()));
  test("fails when the ssl setting is absent", () =>
    expectViolation(policy, stack().filter((r) => r.props.settingId !== "ssl"), 'has no "ssl" ZoneSetting'));
  test("fails when ssl is flexible", () =>
    expectViolation(policy, [mutate(fx.zoneSetting("ssl", "strict"), "value", "flexible"), fx.wafManaged()], '"ssl" is "flexible"'));
  test("fails when a configuration rule lowers ssl", () =>
    expectViolation(
      policy,
      [...stack(), fx.ruleset("http_config_settings", [{ ref: "legacy", expression: 'http.host eq "x"', action: "set_config", actionParameters: { ssl: "flexible" } }])],
      'sets ssl to "flexible"',
    ));
  test("is undecided when the value is unknown", () =>
    expectUndecided(policy, [mutate(fx.zoneSetting("ssl", "strict"), "value", UNKNOWN)]));
});
