import { emailDmarcPolicy as policy } from "./email-dmarc-policy";
import { APEX, fx, mutate } from "../../testing/fixtures";
import { UNKNOWN } from "../../lib/unknown";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";

const dmarc = (v: string) => fx.dmarc(`"${v}"`);
const base = `v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:dmarc@${APEX}`;

describe("email-dmarc-policy", () => {
  test("passes with quarantine and reports", () => expectPass(policy, [fx.spf(), fx.dmarc()]));
  test("passes with none where allowed (staging warm-up)", () =>
    expectPass(policy, [fx.spf(), dmarc(base.replace("p=quarantine", "p=none"))], { allowedPolicies: ["none", "quarantine", "reject"] }));
  test("fails with p=none", () => expectViolation(policy, [fx.spf(), dmarc(base.replace("p=quarantine", "p=none"))], "has p=none"));
  test("fails without p", () => expectViolation(policy, [fx.spf(), dmarc(`v=DMARC1; rua=mailto:dmarc@${APEX}`)], "no p= tag"));
  test("fails with sp=none", () => expectViolation(policy, [fx.spf(), dmarc(base.replace("sp=quarantine", "sp=none"))], "sp=none"));
  test("fails without rua", () => expectViolation(policy, [fx.spf(), dmarc("v=DMARC1; p=reject")], "no rua=mailto:"));
  test("fails in testing mode", () => expectViolation(policy, [fx.spf(), dmarc(`${base}; t=y`)], "testing mode"));
  test("fails with pct below 100", () => expectViolation(policy, [fx.spf(), dmarc(`${base}; pct=20`)], "pct=20%"));
  test("fails with two records", () =>
    expectViolation(policy, [fx.spf(), fx.dmarc(), { ...dmarc("v=DMARC1; p=reject"), urn: "urn:pulumi:prod::renfort::cloudflare:index/dnsRecord:DnsRecord::dmarc-2" }], "2 DMARC records"));
  test("fails when a sending domain has no DMARC record", () => expectViolation(policy, [fx.spf()], "has no DMARC record"));
  test("stays decided when only the DKIM key is computed", () => expectPass(policy, [fx.spf(), fx.dmarc(), mutate(fx.dkim(), "content", UNKNOWN)]));
  test("is undecided when a TXT record's name and content are both computed (it could be a DMARC record)", () =>
    expectUndecided(policy, [fx.spf(), fx.dmarc(), mutate(mutate(fx.dkim(), "content", UNKNOWN), "name", UNKNOWN)]));
  test("is undecided when the DMARC content is computed", () => expectUndecided(policy, [fx.spf(), mutate(fx.dmarc(), "content", UNKNOWN)]));
});
