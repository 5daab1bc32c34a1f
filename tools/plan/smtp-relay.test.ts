import { planStack } from "./plan";
import { renderInventory, smtpRelayLines } from "./render";

describe("the plan shows the SMTP relay the fleet uses", () => {
  it("prints host, port and the gateway's SMTP setting for the committed prod stack", async () => {
    const { plan } = await planStack({ stack: "prod" });
    expect(renderInventory(plan)).toContain("SMTP relay: smtp.tem.scaleway.com:2587 (STARTTLS; a port the Public Gateway lets through with SMTP blocked)");
    expect(JSON.stringify(plan.outputs.email)).toContain('"smtpRelay":{"host":"smtp.tem.scaleway.com","port":2587,"gatewaySmtpRequired":false}');
  });
  it("says when the gateway has to open SMTP", () => {
    expect(smtpRelayLines({ email: { smtpRelay: { host: "smtp-relay.brevo.com", port: 587, gatewaySmtpRequired: true } } })).toEqual([
      "SMTP relay: smtp-relay.brevo.com:587 (STARTTLS; the Public Gateway has SMTP enabled for it)",
    ]);
  });
});
