import { emailSpfSingle as policy } from "./email-spf-single";
import { APEX, fx, mutate } from "../../testing/fixtures";
import { UNKNOWN } from "../../lib/unknown";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";

describe("email-spf-single", () => {
  test("passes with one SPF record per name", () => expectPass(policy, [fx.spf(), fx.spf('"v=spf1 -all"', `www.${APEX}`), fx.dmarc()]));
  test("fails with two SPF records at the apex", () =>
    expectViolation(policy, [fx.spf(), { ...fx.spf('"v=spf1 include:spf.brevo.com -all"'), urn: "urn:pulumi:prod::renfort::cloudflare:index/dnsRecord:DnsRecord::dns-spf-2" }], `${APEX} publishes 2 SPF records`));
  test("is undecided when an SPF candidate is computed at deployment", () => expectUndecided(policy, [mutate(fx.spf(), "content", UNKNOWN), fx.dmarc()]));
  test("stays decided when only the DKIM key is computed", () => expectPass(policy, [fx.spf(), mutate(fx.dkim(), "content", UNKNOWN)]));
});
