/**
 * The Email component with provider brevo (prod config with a Brevo block), under the mocked program.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlanResource, ProgramRun } from "../../tools/plan/harness";
import { MOCK_TEM_DKIM_PUBLIC_KEY } from "../../tools/plan/mocks";
import { committedStack, evaluateStack, withProviders } from "../../tools/plan/testing";
import { isSecret, redactSecrets, unwrapSecrets } from "../../tools/plan/values";
import { createEmail } from "./email";
import { emailVerdict } from "../../tools/plan/email/verdict";
import { installDnsGuard } from "../../tools/plan/email/testing/dns-guard";

const prod = committedStack("prod", (raw) => {
  raw.email = {
    ...(raw.email as Record<string, unknown>),
    provider: "brevo",
    brevo: { dkimSelector: "mail", dkimPublicKey: `k=rsa;p=${MOCK_TEM_DKIM_PUBLIC_KEY}`, verificationCode: "0123abcd", smtpLogin: "8a1b2c001@smtp-brevo.com" },
  };
});
const cfg = prod.config;
const DOMAIN = "mail.renfort-benevoles.fr";
const SMTP_KEY = "xsmtpsib-0000-test-key";

let run: ProgramRun;
let byName: Record<string, PlanResource>;
const guard = installDnsGuard();

beforeAll(async () => {
  run = await evaluateStack(prod, () => {
    const email = createEmail(cfg, withProviders(cfg), { brevoSmtpKey: pulumi.secret(SMTP_KEY) });
    return { email: { domain: cfg.email.domain, sender: cfg.email.sender, smtpUrl: email.smtpUrl, records: email.records } };
  });
  byName = Object.fromEntries(run.resources.map((r) => [r.name, r]));
});
afterAll(() => guard.restore());

describe("Email component, provider brevo", () => {
  it("declares only Cloudflare records: no Scaleway resource", () => {
    const children = run.resources.filter((r) => r.parent === byName["renfort-email"].urn);
    expect(children.map((r) => r.name).sort()).toEqual(["renfort-email-dkim-mail", "renfort-email-dmarc", "renfort-email-mx", "renfort-email-spf", "renfort-email-verification"]);
    expect(children.every((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord")).toBe(true);
  });

  it("publishes Brevo's include, the DKIM key at its selector, a null MX and the ownership code", () => {
    expect(byName["renfort-email-spf"].inputs).toMatchObject({ name: DOMAIN, type: "TXT", content: '"v=spf1 include:spf.brevo.com -all"' });
    expect(byName["renfort-email-dkim-mail"].inputs).toMatchObject({ name: `mail._domainkey.${DOMAIN}`, type: "TXT" });
    expect(byName["renfort-email-mx"].inputs).toMatchObject({ name: DOMAIN, type: "MX", content: ".", priority: 0 });
    expect(byName["renfort-email-verification"].inputs).toMatchObject({ name: DOMAIN, type: "TXT", content: '"brevo-code:0123abcd"' });
  });

  it("exports records the plan's verdict passes (SPF and the ownership TXT share the name without being two SPF records)", async () => {
    const v = await emailVerdict(run.outputs.email, { tier: "prod", zone: cfg.domain.zone });
    expect(v?.problems).toEqual([]);
    expect(v?.ok).toBe(true);
    // Judged against Brevo's vendored chain, the one its SPF record includes.
    expect(v?.checks.filter((c) => c.check === "spf-chain-data").map((c) => c.record)).toEqual(["spf TXT spf.brevo.com"]);
  });

  it("gives the app the Brevo relay with the SMTP key, as a secret", () => {
    const url = (run.outputs.email as { smtpUrl: unknown }).smtpUrl;
    expect(isSecret(url)).toBe(true);
    expect(unwrapSecrets(url)).toBe(`smtp://8a1b2c001%40smtp-brevo.com:${SMTP_KEY}@smtp-relay.brevo.com:587?requireTLS=true`);
    expect(JSON.stringify(redactSecrets(run))).not.toContain(SMTP_KEY);
  });

  it("never touched the network", () => {
    expect(guard.calls).toEqual([]);
  });
});
