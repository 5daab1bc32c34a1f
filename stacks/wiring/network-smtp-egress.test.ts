/**
 * The fleet's mail leaves through the network's Public Gateway: the relay port the email component picks and
 * the gateway's SMTP setting the network gets must agree (Scaleway blocks 25, 465, 587 and 2525 unless SMTP is
 * enabled on the gateway). Checked on the program the committed stacks build, with the pack's
 * `scw-pgw-smtp-blocked` policy, for TEM and for Brevo.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ProgramRun } from "../../tools/plan/harness";
import { MOCK_TEM_DKIM_PUBLIC_KEY } from "../../tools/plan/mocks";
import { committedStack, evaluateStack, withProviders, type CommittedStack } from "../../tools/plan/testing";
import { unwrapSecrets } from "../../tools/plan/values";
import { check } from "../../policies/testing/check";
import { scwPgwSmtpBlocked } from "../../policies/rules/platform-limits/scw-pgw-smtp-blocked";
import type { GateResource } from "../../policies/lib/run";
import { createEmail } from "./email";
import { createNetwork } from "./network";

function withBrevo(raw: Record<string, unknown>): void {
  raw.email = {
    ...(raw.email as Record<string, unknown>),
    provider: "brevo",
    brevo: { dkimSelector: "mail", dkimPublicKey: `k=rsa;p=${MOCK_TEM_DKIM_PUBLIC_KEY}`, verificationCode: "0123abcd", smtpLogin: "8a1b2c001@smtp-brevo.com" },
  };
}

async function networkAndEmail(stack: CommittedStack): Promise<{ run: ProgramRun; gate: GateResource[] }> {
  const cfg = stack.config;
  const run = await evaluateStack(stack, () => {
    const opts = withProviders(cfg);
    createNetwork(cfg, opts);
    const email = createEmail(cfg, opts, { brevoSmtpKey: pulumi.secret("xsmtpsib-test") });
    return { smtpUrl: email.smtpUrl };
  });
  const gate = run.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: unwrapSecrets(r.inputs) as Record<string, unknown>, protect: r.protect, dependencies: r.dependsOn }));
  return { run, gate };
}

const gatewayOf = (run: ProgramRun) => run.resources.find((r) => r.type === "scaleway:network/publicGateway:PublicGateway");

describe("SMTP through the Public Gateway", () => {
  it.each(["staging", "prod"] as const)("%s (TEM): the app uses TEM's port 2587, which the gateway lets through with SMTP kept blocked", async (name) => {
    const { run, gate } = await networkAndEmail(committedStack(name));
    expect(unwrapSecrets(run.outputs.smtpUrl)).toMatch(/@smtp\.tem\.scaleway\.com:2587\?requireTLS=true$/);
    expect(gatewayOf(run)?.inputs.enableSmtp).toBe(false);
    expect(run.resources.find((r) => r.type === "renfort:email:Email")?.inputs).toEqual({ smtpHost: "smtp.tem.scaleway.com", smtpPort: 2587 });
    expect(await check(scwPgwSmtpBlocked, gate)).toEqual([]);
  });

  it("prod (Brevo): every Brevo port is blocked, so the gateway gets SMTP enabled", async () => {
    const { run, gate } = await networkAndEmail(committedStack("prod", withBrevo));
    expect(unwrapSecrets(run.outputs.smtpUrl)).toMatch(/@smtp-relay\.brevo\.com:587\?requireTLS=true$/);
    expect(gatewayOf(run)?.inputs.enableSmtp).toBe(true);
    expect(await check(scwPgwSmtpBlocked, gate)).toEqual([]);
  });

  it("the policy refuses the same program with the gateway's SMTP left off", async () => {
    const { gate } = await networkAndEmail(committedStack("prod", withBrevo));
    const broken = gate.map((r) => (r.type === "scaleway:network/publicGateway:PublicGateway" ? { ...r, props: { ...r.props, enableSmtp: false } } : r));
    const out = await check(scwPgwSmtpBlocked, broken);
    expect(out.map((o) => o.message)).toEqual([expect.stringContaining("smtp-relay.brevo.com:587, a port the Public Gateway renfort-network-egress blocks")]);
  });
});
