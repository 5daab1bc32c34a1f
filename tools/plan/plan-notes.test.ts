/**
 * What the plan tells a reviewer beyond resources and policies: the email-authentication verdict it computes
 * over the records the stack exports, the SMTP relay the fleet uses (host and port, not secret) and the stack
 * file's placeholders, which `pulumi up` refuses while the plan exits 0.
 */
import { planStack } from "./plan";
import { renderInventory, renderMarkdown, smtpRelayLines } from "./render";

describe("the plan's notes for reviewers", () => {
  it.each(["staging", "prod"] as const)("%s: shows the SMTP relay and the placeholders (fr-par-2 boot snapshot, database admin ACL, admin API sources), and blocks nothing", async (stack) => {
    const { plan, blocking } = await planStack({ stack });
    const text = renderInventory(plan);
    expect(text).toContain("SMTP relay: smtp.tem.scaleway.com:2587 (STARTTLS; a port the Public Gateway lets through with SMTP blocked)");
    expect(JSON.stringify(plan.outputs.email)).toContain('"smtpRelay":{"host":"smtp.tem.scaleway.com","port":2587,"gatewaySmtpRequired":false}');
    // The verdict is the plan's: the stack exports the records, not a verdict.
    expect(plan.outputs.email).not.toHaveProperty("validation");
    expect(plan.email).toMatchObject({ ok: true, tier: stack, problems: [], spf: { lookups: 1, limit: 10, voidLookups: 0, result: "fail" } });
    expect(text).toMatch(/^Email authentication \(mail\.[a-z.-]+\): ok, \d+ checks, SPF worst case 1\/10 lookups$/m);
    expect(plan.placeholders?.map((p) => p.key)).toEqual(["renfort:fleet.bootSnapshotIds.fr-par-2", "renfort:database.adminAccess.allowedCidrs[0]", "renfort:app.adminAllowedCidrs[0]"]);
    expect(text).toContain(
      'Placeholders (3): pulumi up refuses this stack until they are replaced\n  - renfort:fleet.bootSnapshotIds.fr-par-2 = "00000000-0000-0000-0000-000000000000": an obvious placeholder, not a real value\n  - renfort:database.adminAccess.allowedCidrs[0] = "203.0.113.16/29"',
    );
    expect(renderMarkdown(plan)).toContain("## Placeholders");
    expect(blocking).toEqual([]);
  });
  it("says when the gateway has to open SMTP", () => {
    expect(smtpRelayLines({ email: { smtpRelay: { host: "smtp-relay.brevo.com", port: 587, gatewaySmtpRequired: true } } })).toEqual([
      "SMTP relay: smtp-relay.brevo.com:587 (STARTTLS; the Public Gateway has SMTP enabled for it)",
    ]);
  });
});
