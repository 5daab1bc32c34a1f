import { emailSpfLookups as policy } from "./email-spf-lookups";
import { APEX, fx } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";

const chain = (n: number) => Array.from({ length: n }, (_, i) => fx.spf('"v=spf1 ip4:198.51.100.1 -all"', `s${i}.${APEX}`));
const spf = (v: string) => fx.spf(`"${v}"`);

describe("email-spf-lookups", () => {
  test("passes with the vendored TEM include (1 lookup)", () => expectPass(policy, [fx.spf(), fx.mx()]));
  test("passes with TEM and Brevo", () => expectPass(policy, [spf("v=spf1 include:_spf.tem.scaleway.com include:spf.brevo.com -all")]));
  test("fails above 10 lookups", () =>
    expectViolation(policy, [spf(`v=spf1 ${Array.from({ length: 11 }, (_, i) => `include:s${i}.${APEX}`).join(" ")} -all`), ...chain(11)], "needs 11 DNS lookups"));
  test("fails above a stricter margin", () =>
    expectViolation(policy, [spf(`v=spf1 ${Array.from({ length: 9 }, (_, i) => `include:s${i}.${APEX}`).join(" ")} -all`), ...chain(9)], "needs 9 DNS lookups", { maxLookups: 8 }));
  test("fails with too many void lookups", () => expectViolation(policy, [spf(`v=spf1 a:x1.${APEX} a:x2.${APEX} a:x3.${APEX} -all`)], "3 lookups that return nothing"));
  test("is undecided for an include that is not vendored", async () => {
    const out = await expectUndecided(policy, [spf("v=spf1 include:_spf.google.com -all")]);
    expect(out[0].message).toContain("_spf.google.com");
  });
});
