/**
 * Maps the parsed stack config onto the Email component's args (the component never reads config).
 */
import type * as pulumi from "@pulumi/pulumi";
import { ConfigError, missingSecretProblem, type RenfortConfig } from "../config";
import { Email, type EmailArgs } from "../../components/email/index";

export interface EmailSecrets {
  /** Brevo SMTP key: only needed with provider brevo (Scaleway's SMTP password is an API key created here). */
  brevoSmtpKey?: pulumi.Input<string>;
}

/** The component's args for a stack's config; throws with the config key to set when a Brevo secret is missing. */
export function emailArgsFromConfig(cfg: RenfortConfig, secrets: EmailSecrets = {}): EmailArgs {
  const e = cfg.email;
  const common = {
    domain: e.domain,
    zoneId: cfg.edge.zoneId,
    dmarc: { policy: e.dmarc.policy, rua: e.dmarc.rua },
    // -all everywhere: staging may soften to ~all only through the component arg, never by default.
    spfAll: "-all" as const,
    ttl: 3600,
  };
  if (e.provider === "scaleway-tem") {
    return { ...common, provider: "scaleway-tem", scaleway: { projectId: cfg.scaleway.projectId, region: cfg.scaleway.region } };
  }
  // The stack loader refuses a Brevo config without the key (secretsRequiredBy); callers that bypass it get the same message.
  if (secrets.brevoSmtpKey === undefined) throw new ConfigError([missingSecretProblem("emailSmtpKey")]);
  return {
    ...common,
    provider: "brevo",
    brevo: {
      dkimSelector: e.brevo.dkimSelector,
      dkimPublicKey: e.brevo.dkimPublicKey,
      spfInclude: e.brevo.spfInclude,
      verificationCode: e.brevo.verificationCode,
      smtpLogin: e.brevo.smtpLogin,
      smtpKey: secrets.brevoSmtpKey,
    },
  };
}

/** The stack's transactional email: one `renfort:email:Email` named `renfort-email`. */
export function createEmail(cfg: RenfortConfig, opts: pulumi.ComponentResourceOptions, secrets: EmailSecrets = {}): Email {
  return new Email("renfort-email", emailArgsFromConfig(cfg, secrets), opts);
}
