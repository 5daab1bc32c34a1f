import { cfDnsProxied as policy } from "./cf-dns-proxied";
import { APEX, HOST, fx, mutate } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";

const cfg = { dnsOnlyNames: [APEX] };
const app = () => fx.appRecords()[0];

describe("cf-dns-proxied", () => {
  test("passes for proxied app records and the listed DNS-only apex", () => expectPass(policy, [...fx.appRecords(), ...fx.apexRecords()], cfg));
  test("passes for TXT and underscore records", () => expectPass(policy, [fx.spf(), fx.dns(`_acme-challenge.${HOST}`, "CNAME", "x.example.net"), fx.dns(`brevo1._domainkey.${HOST}`, "CNAME", "b1.example.dkim.brevo.com")], cfg));
  test("fails for an unproxied app record", () => expectViolation(policy, mutate(app(), "proxied", false), "is not proxied", cfg));
  test("fails for the apex when it is not listed", () => expectViolation(policy, fx.apexRecords()[0], `A record ${APEX} is not proxied`));
  test("fails for a private address", () => expectViolation(policy, mutate(app(), "content", "10.0.0.5"), "private or reserved", cfg));
  test("is undecided when proxied is unknown", () => expectUndecided(policy, mutate(app(), "proxied", UNKNOWN), cfg));
  test("stays decided for a proxied record whose name is computed at deployment", () => expectPass(policy, mutate(app(), "name", UNKNOWN), cfg));
});
