import { emailSpfSyntax as policy } from "./email-spf-syntax";
import { fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const spf = (v: string) => fx.spf(`"${v}"`);

describe("email-spf-syntax", () => {
  test("passes with include and -all", () => expectPass(policy, [fx.spf(), fx.dmarc(), fx.mx()]));
  test("passes with ~all where allowed (staging)", () => expectPass(policy, spf("v=spf1 include:_spf.tem.scaleway.com ~all"), { allowedAll: ["-all", "~all"] }));
  test("fails with ~all in prod", () => expectViolation(policy, spf("v=spf1 include:_spf.tem.scaleway.com ~all"), "ends with ~all"));
  test("fails with +all", () => expectViolation(policy, spf("v=spf1 +all"), "authorises every server"));
  test("fails with ?all", () => expectViolation(policy, spf("v=spf1 include:_spf.tem.scaleway.com ?all"), "ends with ?all"));
  test("fails with ptr", () => expectViolation(policy, spf("v=spf1 ptr -all"), "uses ptr"));
  test("fails with an unknown term", () => expectViolation(policy, spf("v=spf1 inclde:_spf.tem.scaleway.com -all"), 'unknown term "inclde'));
  test("fails without all", () => expectViolation(policy, spf("v=spf1 include:_spf.tem.scaleway.com"), "no final all term"));
  test("fails with terms after all", () => expectViolation(policy, spf("v=spf1 -all include:_spf.tem.scaleway.com"), 'after "all"'));
  test("fails with a chunk over 255 characters", () =>
    expectViolation(policy, spf(`v=spf1 ${Array.from({ length: 30 }, (_, i) => `ip4:192.0.2.${i}`).join(" ")} -all`), "quoted chunk of"));
});
