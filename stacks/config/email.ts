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
  /**
   * Brevo settings (only with provider brevo): the values Brevo's dashboard shows for the domain. The SMTP key
   * itself is a secret and is not read here.
   */
  brevo: z
    .strictObject({
      dkimSelector: z.string().regex(/^[a-z0-9]([a-z0-9-_]*[a-z0-9])?$/i, "must be a DKIM selector label such as mail"),
      /** The bare base64 key or the full `k=rsa;p=...` value; validated as a >= 2048-bit RSA key by the email component. */
      dkimPublicKey: z.string().min(1, "must be the DKIM public key Brevo shows for the domain"),
      spfInclude: hostname.default("spf.brevo.com"),
      verificationCode: z.string().regex(/^[\x21-\x7e]+$/, "must be the brevo-code value Brevo shows (no spaces)"),
      /** The account's SMTP login (Settings > SMTP & API > SMTP). */
      smtpLogin: z.string().min(1, "must be the SMTP login Brevo shows under Settings > SMTP & API"),
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
    issues.push({ path: ["brevo"], message: "must be set when provider is brevo (dkimSelector, dkimPublicKey, verificationCode, smtpLogin)", value: undefined });
  }
  if (e.provider !== "brevo" && e.brevo) {
    issues.push({ path: ["brevo"], message: `is only read with provider brevo: remove it or set renfort:email.provider to brevo`, value: e.provider });
  }
  const seen = new Set<string>();
  e.dmarc.rua.forEach((uri, i) => {
    if (seen.has(uri.toLowerCase())) issues.push({ path: ["dmarc", "rua", i], message: "must not repeat an address", value: uri });
    seen.add(uri.toLowerCase());
  });
  if (e.sender !== e.sender.trim() || /[A-Z]/.test(e.sender.split("@")[1] ?? "")) {
    issues.push({ path: ["sender"], message: "must be written with a lower-case domain and no spaces", value: e.sender });
  }
  return issues;
};
