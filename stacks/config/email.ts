/**
 * Transactional email config. See components/email.
 */
import { z } from "zod";
import { hostname, type TierRule } from "./common";

const emailCommon = {
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
};

/**
 * Brevo settings: the values Brevo's dashboard shows for the domain. The SMTP key itself is a secret
 * (`renfort:emailSmtpKey`) and is not read here.
 */
const brevoSchema = z.strictObject({
  dkimSelector: z.string().regex(/^[a-z0-9]([a-z0-9-_]*[a-z0-9])?$/i, "must be a DKIM selector label such as mail"),
  /** The bare base64 key or the full `k=rsa;p=...` value; validated as a >= 2048-bit RSA key by the email component. */
  dkimPublicKey: z.string().min(1, "must be the DKIM public key Brevo shows for the domain"),
  spfInclude: hostname.default("spf.brevo.com"),
  verificationCode: z.string().regex(/^[\x21-\x7e]+$/, "must be the brevo-code value Brevo shows (no spaces)"),
  /** The account's SMTP login (Settings > SMTP & API > SMTP). */
  smtpLogin: z.string().min(1, "must be the SMTP login Brevo shows under Settings > SMTP & API"),
});

/**
 * Who sends, as a union on `provider`: the Brevo block exists exactly when the provider is Brevo, so
 * "Brevo settings are required with Brevo" is the schema's shape rather than a rule checked elsewhere.
 */
export const emailSchema = z.discriminatedUnion("provider", [
  z.strictObject({
    /** Scaleway Transactional Email: its DKIM key and SPF come from the TEM domain. */
    provider: z.literal("scaleway-tem"),
    ...emailCommon,
    brevo: z.never({ error: "is only read with provider brevo: remove it or set renfort:email.provider to brevo" }).optional(),
  }),
  z.strictObject({
    /** Brevo, with its DKIM key and SPF include from config. */
    provider: z.literal("brevo"),
    ...emailCommon,
    brevo: brevoSchema,
  }),
]).superRefine((e, ctx) => {
  const seen = new Set<string>();
  e.dmarc.rua.forEach((uri, i) => {
    if (seen.has(uri.toLowerCase())) ctx.addIssue({ code: "custom", path: ["dmarc", "rua", i], message: "must not repeat an address", input: uri });
    seen.add(uri.toLowerCase());
  });
  if (e.sender !== e.sender.trim() || /[A-Z]/.test(e.sender.split("@")[1] ?? "")) {
    ctx.addIssue({ code: "custom", path: ["sender"], message: "must be written with a lower-case domain and no spaces", input: e.sender });
  }
});
export type EmailConfig = z.infer<typeof emailSchema>;

export const emailTierRules: TierRule<EmailConfig> = (e, tier) =>
  tier === "prod" && e.dmarc.policy === "none" ? [{ path: ["dmarc", "policy"], message: "must be quarantine or reject in prod", value: e.dmarc.policy }] : [];
