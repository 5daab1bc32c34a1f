/**
 * Brevo: the values its dashboard shows for the domain (DKIM key, SPF include, ownership code) and the
 * account's SMTP login and key. Nothing is created at Brevo; only the records are published.
 * https://developers.brevo.com/docs/smtp-integration
 */
import * as pulumi from "@pulumi/pulumi";
import { brevoVerification, normalizeName } from "./records";
import type { ProviderSending } from "./sending";
import { buildSmtpUrl, type SmtpRelayEndpoint } from "./smtp";

export interface BrevoArgs {
  /** DKIM selector Brevo shows for the domain (the `<selector>._domainkey` label). Plain: it names the resource. Required. */
  dkimSelector: string;
  /** DKIM public key Brevo shows: the bare base64 key or the full `k=rsa;p=...` value. Required. */
  dkimPublicKey: pulumi.Input<string>;
  /** SPF include of Brevo's sending ranges. Default `spf.brevo.com`. */
  spfInclude?: pulumi.Input<string>;
  /** Brevo's ownership code, published as `brevo-code:<code>` at the sending domain. Required. */
  verificationCode: pulumi.Input<string>;
  /** The account's SMTP login (Settings > SMTP & API). Required. */
  smtpLogin: pulumi.Input<string>;
  /** An SMTP key (secret). Required. */
  smtpKey: pulumi.Input<string>;
}

/** What Brevo asks the domain to publish and the SMTP URL; Brevo needs no wait once the records exist. */
export function brevoSending(domain: pulumi.Output<string>, brevo: BrevoArgs, relay: SmtpRelayEndpoint): ProviderSending {
  const selector = brevo.dkimSelector;
  const values = pulumi
    .all([domain, brevo.spfInclude ?? "spf.brevo.com", brevo.dkimPublicKey, brevo.verificationCode])
    .apply(([d, include, key, code]) => ({
      spfTerms: `include:${normalizeName(include)}`,
      dkim: { name: `${selector}._domainkey.${d}`, value: key },
      // Brevo's shared-IP envelope sender is its own domain: the sending domain receives nothing.
      mxConfig: null,
      verification: brevoVerification(code),
    }));
  const smtpUrl = pulumi
    .all([brevo.smtpLogin, brevo.smtpKey])
    .apply(([user, password]) => buildSmtpUrl({ user, password, host: relay.host, port: relay.port }));
  return { values, selector, smtpUrl, afterRecords: () => pulumi.output(true as const) };
}
