/**
 * Transactional email config. See components/email.
 */
import { z } from "zod";
import { hostname, type TierRule } from "./common";

export const emailSchema = z.strictObject({
  /** Who sends: Scaleway Transactional Email, or Brevo with its DKIM key and SPF include from config. */
  provider: z.enum(["scaleway-tem", "brevo"]),
  /** Sending domain; defaults to mail.<renfort:domain.zone>. */
  domain: hostname.optional(),
  /** The app's From address; must be on the sending domain. */
  sender: z.email("must be an email address such as benevoles@mail.example.fr"),
  dmarc: z.strictObject({
    /** DMARC policy: quarantine or reject in prod; none only while warming up in staging. */
    policy: z.enum(["none", "quarantine", "reject"]),
    /** Aggregate report addresses (mailto:). */
    rua: z.array(z.string().regex(/^mailto:[^@\s]+@[^@\s]+$/, "must be a mailto: URI")).min(1, "must list at least one mailto: address"),
  }),
  /** Brevo settings (only with provider brevo): the values Brevo's dashboard shows for the domain. */
  brevo: z
    .strictObject({
      dkimSelector: z.string().regex(/^[a-z0-9-_]+$/i, "must be a DKIM selector label"),
      dkimPublicKey: z.string().min(1),
      spfInclude: z.string().default("spf.brevo.com"),
      verificationCode: z.string().min(1),
    })
    .optional(),
});
export type EmailConfig = z.infer<typeof emailSchema>;

export const emailTierRules: TierRule<EmailConfig> = (e, tier) => {
  const issues = [];
  if (tier === "prod" && e.dmarc.policy === "none") {
    issues.push({ path: ["dmarc", "policy"], message: "must be quarantine or reject in prod", value: e.dmarc.policy });
  }
  if (e.provider === "brevo" && !e.brevo) {
    issues.push({ path: ["brevo"], message: "must be set when provider is brevo (dkimSelector, dkimPublicKey, verificationCode)", value: undefined });
  }
  return issues;
};
