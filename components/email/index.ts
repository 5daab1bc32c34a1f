/**
 * The transactional sending domain: the provider's domain (Scaleway Transactional Email, or Brevo), its SPF,
 * DKIM, DMARC and MX records in the Cloudflare zone and the app's SMTP credentials. It exports the records it
 * declares as plain data; the offline plan judges them the way a receiving mail server reads them
 * (tools/plan/email/validate.ts), so `pulumi up` computes no verdict.
 *
 * Scaleway TEM: https://www.scaleway.com/en/docs/transactional-email/how-to/authenticate-domain
 * Brevo: https://developers.brevo.com/docs/smtp-integration
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import {
  dkimKey,
  normalizeName,
  planRecords,
  type DmarcPolicy,
  type EmailProvider,
  type PlannedRecord,
  type RecordPurpose,
  type SpfAll,
} from "./records";
import { brevoSending, type BrevoArgs } from "./brevo";
import type { ProviderSending } from "./sending";
import { smtpRelayOf, type SmtpRelayEndpoint } from "./smtp";
import { temSending, type ScalewayTemArgs } from "./tem";
export { DEFAULT_TEM_VALIDATION_TIMEOUT_SECONDS, TEM_SMTP_PERMISSION_SET, temValidationProblem, type ScalewayTemArgs } from "./tem";
export type { BrevoArgs } from "./brevo";

/** A record as the component declares it and the stack exports it (key, purpose, name, type, content, priority, ttl): no secret in it. */
export type EmailRecord = PlannedRecord;

export interface EmailCommonArgs {
  /** Sending domain (FQDN, no trailing dot), e.g. `mail.example.fr`. Required. */
  domain: pulumi.Input<string>;
  /** Cloudflare zone id the records are declared in. Required. */
  zoneId: pulumi.Input<string>;
  dmarc: pulumi.Input<{ policy?: DmarcPolicy; rua: string[] }>;
  /** How SPF ends. Default `-all`; the plan's verdict accepts `~all` in staging only. */
  spfAll?: pulumi.Input<SpfAll>;
  /** TTL of every record, seconds. Default 3600. */
  ttl?: pulumi.Input<number>;
}

/**
 * Who sends, as a union on `provider` (plain: it decides which resources exist): each provider's settings are
 * present exactly with that provider. Default provider `scaleway-tem`.
 */
export type EmailArgs = EmailCommonArgs &
  ({ provider?: "scaleway-tem"; scaleway: ScalewayTemArgs } | { provider: "brevo"; brevo: BrevoArgs });

const DEFAULT_TTL = 3600;

/** The record of a purpose from the plan (the plan always holds exactly one per purpose). */
function pick(plan: pulumi.Output<PlannedRecord[]>, purpose: RecordPurpose): pulumi.Output<PlannedRecord> {
  return plan.apply((records) => {
    const r = records.find((x) => x.purpose === purpose);
    if (!r) throw new Error(`email: the planned records have no ${purpose} record`);
    return r;
  });
}

export class Email extends pulumi.ComponentResource {
  /** `smtp://user:password@host:port?requireTLS=true` for the app (secret). */
  public readonly smtpUrl: pulumi.Output<string>;
  /**
   * The relay host and port the app connects to (not secret; also the component's inputs, so the plan and the
   * policy pack see them), and whether the fleet's Public Gateway must have SMTP enabled to reach it.
   */
  public readonly smtpRelay: SmtpRelayEndpoint;
  /** The records declared in the zone (key, purpose, name, type, content, priority, ttl): no secret. */
  public readonly records: pulumi.Output<EmailRecord[]>;
  /** The sending domain. */
  public readonly domain: pulumi.Output<string>;

  constructor(name: string, args: EmailArgs, opts?: pulumi.ComponentResourceOptions) {
    const provider: EmailProvider = args.provider ?? "scaleway-tem";
    const relay = smtpRelayOf(provider);
    // The relay endpoint is recorded as the component's inputs: the plan shows it and `scw-pgw-smtp-blocked`
    // checks it against the gateway's SMTP setting.
    super("renfort:email:Email", name, { smtpHost: relay.host, smtpPort: relay.port }, opts);
    this.smtpRelay = relay;
    const domain = pulumi.output(args.domain).apply(normalizeName);
    const policy = pulumi.all([domain, args.dmarc, args.spfAll ?? "-all", args.ttl ?? DEFAULT_TTL]).apply(([d, dmarc, spfAll, ttl]) => ({
      domain: d,
      dmarc: { policy: dmarc.policy ?? ("quarantine" as const), rua: dmarc.rua },
      spfAll,
      ttl,
    }));

    // One module per provider, each returning the same shape: what to publish, the SMTP URL, and when it may be used.
    const sending: ProviderSending =
      args.provider === "brevo"
        ? brevoSending(domain, args.brevo, relay)
        : temSending(this, name, domain, args.scaleway, relay);
    const { values, selector } = sending;

    const plan = pulumi.all([values, policy]).apply(([v, p]) => planRecords(v, p));
    // Names and types that do not depend on the provider's outputs are given as literals, so a preview (and
    // the policy pack) sees them before the provider has answered; only contents and the DKIM name wait.
    const purposes: { key: string; purpose: RecordPurpose; type: "TXT" | "MX"; name?: pulumi.Output<string> }[] = [
      { key: "spf", purpose: "spf", type: "TXT", name: domain },
      { key: dkimKey(selector), purpose: "dkim", type: "TXT" },
      { key: "dmarc", purpose: "dmarc", type: "TXT", name: pulumi.interpolate`_dmarc.${domain}` },
      { key: "mx", purpose: "mx", type: "MX", name: domain },
      ...(provider === "brevo" ? [{ key: "verification", purpose: "verification" as const, type: "TXT" as const, name: domain }] : []),
    ];
    const dnsRecords = purposes.map(({ key, purpose, type, name: recordName }) => {
      const r = pick(plan, purpose).apply((x) => {
        if (x.type !== type) throw new Error(`email ${name}: the ${purpose} record is planned as ${x.type}, declared as ${type}`);
        return x;
      });
      return new cloudflare.DnsRecord(
        `${name}-${key}`,
        {
          zoneId: args.zoneId,
          name: recordName ?? r.name,
          type,
          content: r.content,
          priority: r.apply((x) => x.priority),
          ttl: r.ttl,
          // Mail records cannot be proxied; say so rather than rely on the default.
          proxied: false,
          comment: `renfort email: ${purpose}`,
        },
        { parent: this },
      );
    });
    // Resolves to true once the provider accepts the domain (TEM validates it once the records exist); the SMTP URL waits on it.
    const validated = sending.afterRecords(dnsRecords);

    this.domain = domain;
    this.smtpUrl = pulumi.secret(pulumi.all([sending.smtpUrl, validated]).apply(([url]) => url));
    this.records = plan.apply((rs) =>
      rs.map(({ key, purpose, name: n, type, content, priority, ttl }) => ({ key, purpose, name: n, type, content, ...(priority !== undefined ? { priority } : {}), ttl })),
    );

    this.registerOutputs({ smtpUrl: this.smtpUrl, records: this.records, domain: this.domain });
  }
}
