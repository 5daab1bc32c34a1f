/**
 * The `renfort:email` block: parsed by stacks/config (email.ts + the cross-key rules of index.ts) and mapped
 * onto the component by stacks/wiring/email.ts.
 */
import { parseConfig } from "../config";
import { committedRaw, configProblems } from "../../tools/plan/testing";
import { emailArgsFromConfig } from "./email";

function withEmail(stack: "staging" | "prod", email: Record<string, unknown>): Record<string, unknown> {
  const raw = committedRaw(stack);
  return { ...raw, email: { ...(raw.email as Record<string, unknown>), ...email } };
}

const BREVO = { dkimSelector: "mail", dkimPublicKey: "k=rsa;p=MIIB", verificationCode: "abc123", smtpLogin: "8a1b2c001@smtp-brevo.com" };

describe("renfort:email config", () => {
  it.each(["staging", "prod"] as const)("the committed %s block parses, the sending domain defaults to mail.<zone>", (stack) => {
    const cfg = parseConfig(committedRaw(stack));
    expect(cfg.email.domain).toBe(`mail.${cfg.domain.zone}`);
    expect(cfg.email.sender.endsWith(`@${cfg.email.domain}`)).toBe(true);
  });

  it.each([
    ["a sender on the zone apex", { sender: "benevoles@renfort-benevoles.fr" }, /^renfort:email\.sender must be an address on the sending domain mail\.renfort-benevoles\.fr \(DMARC alignment\), got "benevoles@renfort-benevoles\.fr"$/],
    ["a sender on another domain", { sender: "benevoles@gmail.com" }, /^renfort:email\.sender must be an address on the sending domain/],
    ["a sending domain outside the zone", { domain: "mail.example.org", sender: "b@mail.example.org" }, /^renfort:email\.domain must be inside the Cloudflare zone renfort-benevoles\.fr/],
    ["p=none in prod", { dmarc: { policy: "none", rua: ["mailto:dmarc@renfort-benevoles.fr"] } }, /^renfort:email\.dmarc\.policy must be quarantine or reject in prod, got "none"$/],
    ["a rua that is not mailto:", { dmarc: { policy: "reject", rua: ["dmarc@renfort-benevoles.fr"] } }, /^renfort:email\.dmarc\.rua\[0\] must be a mailto: URI/],
    ["a repeated rua", { dmarc: { policy: "reject", rua: ["mailto:d@renfort-benevoles.fr", "mailto:D@renfort-benevoles.fr"] } }, /^renfort:email\.dmarc\.rua\[1\] must not repeat an address/],
    ["brevo without its block", { provider: "brevo" }, /^renfort:email\.brevo is required: set it with pulumi config set --path 'email\.brevo'/],
    ["a brevo block with provider scaleway-tem", { brevo: BREVO }, /^renfort:email\.brevo is only read with provider brevo: remove it or set renfort:email\.provider to brevo$/],
    ["a brevo block without smtpLogin", { provider: "brevo", brevo: { ...BREVO, smtpLogin: undefined } }, /^renfort:email\.brevo\.smtpLogin is required/],
    ["an unknown provider", { provider: "sendgrid" }, /^renfort:email\.provider must be one of "scaleway-tem", "brevo", got "sendgrid"$/],
    ["a misspelt key", { dmrac: {} }, /^renfort:email\.dmrac is not a known key/],
  ])("rejects %s", (_label, email, message) => {
    expect(configProblems(withEmail("prod", email))).toContainEqual(expect.stringMatching(message));
  });

  it("allows p=none in staging only", () => {
    expect(configProblems(withEmail("staging", { dmarc: { policy: "none", rua: ["mailto:dmarc@renfort-staging.fr"] } }))).toEqual([]);
  });
});

describe("emailArgsFromConfig", () => {
  it("maps the prod config onto TEM args: domain, zone id, DMARC, project, region, -all (nothing about a verdict: the plan computes it)", () => {
    const args = emailArgsFromConfig(parseConfig(committedRaw("prod")));
    expect(args).toEqual({
      domain: "mail.renfort-benevoles.fr",
      zoneId: "32ef0ee2908e2e491b72fa28d1a7f1ca",
      dmarc: { policy: "quarantine", rua: ["mailto:dmarc@renfort-benevoles.fr"] },
      spfAll: "-all",
      ttl: 3600,
      provider: "scaleway-tem",
      scaleway: { projectId: "89871e8b-5e00-48c1-9bb6-2c1de325bbf0", region: "fr-par" },
    });
  });

  it("maps Brevo and requires its SMTP key as a secret", () => {
    const cfg = parseConfig(withEmail("prod", { provider: "brevo", brevo: BREVO }));
    expect(() => emailArgsFromConfig(cfg)).toThrow(/renfort:emailSmtpKey is required: set it with pulumi config set --secret emailSmtpKey <value> \(Brevo SMTP key .*required when renfort:email\.provider is brevo/);
    const args = emailArgsFromConfig(cfg, { brevoSmtpKey: "xsmtpsib-key" });
    expect(args.provider).toBe("brevo");
    expect(args).toMatchObject({ brevo: { ...BREVO, spfInclude: "spf.brevo.com", smtpKey: "xsmtpsib-key" } });
    expect(args).not.toHaveProperty("scaleway");
  });
});
