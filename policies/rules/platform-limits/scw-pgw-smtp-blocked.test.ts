import { scwPgwSmtpBlocked as policy } from "./scw-pgw-smtp-blocked";
import { urnOf } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";
import type { GateResource } from "../../lib/run";

const GW = "scaleway:network/publicGateway:PublicGateway";
const EMAIL = "renfort:email:Email";
const res = (type: string, name: string, props: Record<string, unknown>): GateResource => ({ urn: urnOf(type, name), type, name, props, protect: false, dependencies: [] });
const gateway = (enableSmtp: unknown) => res(GW, "renfort-network-egress", { type: "VPC-GW-S", bastionEnabled: false, ...(enableSmtp === undefined ? {} : { enableSmtp }) });
const email = (host: string, port: unknown) => res(EMAIL, "renfort-email", { smtpHost: host, smtpPort: port });

describe("scw-pgw-smtp-blocked", () => {
  test("passes for TEM's alternative STARTTLS port 2587 behind a gateway with SMTP blocked", () => expectPass(policy, [gateway(false), email("smtp.tem.scaleway.com", 2587)]));
  test("passes for Brevo's 587 when the gateway has SMTP enabled", () => expectPass(policy, [gateway(true), email("smtp-relay.brevo.com", 587)]));
  test("passes when nothing declares a relay", () => expectPass(policy, [gateway(false)]));
  test.each([25, 465, 587, 2525])("fails for port %i behind a gateway with SMTP off", (port) =>
    expectViolation(policy, [gateway(false), email("smtp.tem.scaleway.com", port)], `:${port}, a port the Public Gateway renfort-network-egress blocks`, {}, urnOf(GW, "renfort-network-egress")),
  );
  test("fails when enableSmtp is left unset (the provider's default is off)", () => expectViolation(policy, [gateway(undefined), email("smtp-relay.brevo.com", 587)], "blocks while enableSmtp is not true"));
  test("is undecided when the gateway's SMTP setting is unknown", () => expectUndecided(policy, [gateway(UNKNOWN), email("smtp.tem.scaleway.com", 587)]));
});
