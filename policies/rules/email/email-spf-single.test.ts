import { emailSpfSingle as policy } from "./email-spf-single";
import { APEX, fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("email-spf-single", () => {
  test("passes with one SPF record per name", () => expectPass(policy, [fx.spf(), fx.spf('"v=spf1 -all"', `www.${APEX}`), fx.dmarc()]));
  test("fails with two SPF records at the apex", () =>
    expectViolation(policy, [fx.spf(), { ...fx.spf('"v=spf1 include:spf.brevo.com -all"'), urn: "urn:pulumi:prod::renfort::cloudflare:index/dnsRecord:DnsRecord::dns-spf-2" }], `${APEX} publishes 2 SPF records`));
});
