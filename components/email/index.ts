/**
 * The transactional sending domain: the provider's domain (Scaleway Transactional Email, or Brevo), its SPF,
 * DKIM, DMARC and MX records in the Cloudflare zone, the app's SMTP credentials, and an offline verdict on the
 * records computed the way a receiving mail server reads them (see validate.ts).
 *
 * Scaleway TEM: https://www.scaleway.com/en/docs/transactional-email/how-to/authenticate-domain
 * Brevo: https://developers.brevo.com/docs/smtp-integration
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import { VENDORED_SPF_CHAINS, type SpfChain } from "./data";
import {
  brevoVerification,
  dkimKey,
  normalizeName,
  planRecords,
  type DmarcPolicy,
  type EmailProvider,
  type PlannedRecord,
  type ProviderDnsValues,
  type RecordPurpose,
  type SpfAll,
} from "./records";
import { buildSmtpUrl, smtpRelayOf, type SmtpRelayEndpoint } from "./smtp";
import { validateEmailRecords, type EmailValidationVerdict, type Tier } from "./validate";

export type { EmailValidationVerdict } from "./validate";

/**
 * IAM permission set that lets the app's key send through the SMTP relay and nothing else (no domain or
 * API management). Added by Scaleway on 2025-02-21 alongside TransactionalEmailEmailApiCreate:
 * https://github.com/scaleway/docs-content/commit/ff76d11478ea29e5d23c492d2ee293fe9418b2ea
 */
export const TEM_SMTP_PERMISSION_SET = "TransactionalEmailEmailSmtpCreate";

/** A planned record as the stack exports it: no secret in it. */
export interface EmailRecord {
  key: string;
  name: string;
  type: "TXT" | "MX";
  content: string;
  priority?: number;
  ttl: number;
}

export interface ScalewayTemArgs {
  /** Scaleway project of the TEM domain: the SMTP user name and TEM's DKIM selector. Plain: it names the DKIM record resource. Required. */
  projectId: string;
  /** Region of the TEM domain. Default `fr-par` (the only TEM region in the provider docs). */
  region?: pulumi.Input<string>;
  /**
   * Seconds `DomainValidation` waits for TEM to see the records. Default 3000 (50 min): TEM checks the records
   * on its own schedule after they exist, and the provider's create timeout for this resource is 60 min
   * (terraform-provider-scaleway internal/services/tem/helpers.go `defaultDomainValidationTimeout`), so the
   * wait ends with the provider's own "did not complete in N seconds" rather than a cut context.
   */
  validationTimeoutSeconds?: pulumi.Input<number>;
}

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

export interface EmailArgs {
  /** Sending domain (FQDN, no trailing dot), e.g. `mail.example.fr`. Required. */
  domain: pulumi.Input<string>;
  /** Cloudflare zone id the records are declared in. Required. */
  zoneId: pulumi.Input<string>;
  /** Cloudflare zone name: DMARC report addresses outside it get a warning (they need an authorization record). Default: none (no check). */
  zoneName?: pulumi.Input<string>;
  /** The app's From address; must be on `domain`. Required. */
  sender: pulumi.Input<string>;
  /** Tier the records are validated for. Plain: it decides the verdict's strictness. Default `prod` (the strict one). */
  tier?: Tier;
  /** Who sends. Plain: it decides which resources exist. Default `scaleway-tem`. */
  provider?: EmailProvider;
  /** DMARC policy and aggregate report addresses. Default policy `quarantine`; `rua` is required. */
  dmarc: pulumi.Input<{ policy?: DmarcPolicy; rua: string[] }>;
  /** How SPF ends. Default `-all`; `~all` only passes validation in staging. */
  spfAll?: pulumi.Input<SpfAll>;
  /** TTL of every record, seconds. Default 3600. */
  ttl?: pulumi.Input<number>;
  /** Scaleway TEM settings; required with provider `scaleway-tem`. */
  scaleway?: ScalewayTemArgs;
  /** Brevo settings; required with provider `brevo`. */
  brevo?: BrevoArgs;
  /** SPF chains the validator resolves includes from. Default: the vendored copies in ./data. */
  spfChains?: readonly SpfChain[];
}

const DEFAULT_TTL = 3600;
export const DEFAULT_TEM_VALIDATION_TIMEOUT_SECONDS = 3000;

/**
 * The provider's `scaleway_tem_domain_validation` returns success whenever TEM's check leaves the pending states,
 * including a domain TEM found `invalid`, `locked` or `revoked`; only its `validated` output (`status == "checked"`)
 * tells (terraform-provider-scaleway internal/services/tem/domain_validation.go: the retry's error is discarded and
 * Read sets `validated = domain.Status == "checked"`). Returns the error to raise, or undefined when validated
 * (or not known yet, as in a preview).
 */
export function temValidationProblem(validated: boolean | undefined, domain: string, validationUrn?: string): string | undefined {
  if (validated !== false) return undefined;
  const replace = validationUrn ? `pulumi up --replace '${validationUrn}'` : "pulumi up --replace <the renfort-email-tem-validation URN>";
  return (
    `email: Scaleway TEM did not validate ${domain} (the DomainValidation resource finished with validated = false: the domain is ` +
    `invalid, locked or revoked, not pending). No confirmation email would be accepted, so the app gets no SMTP URL. ` +
    `Check the SPF, DKIM and MX records in the console (Transactional Email > Domains > ${domain}), fix them, then run ${replace} ` +
    `to ask TEM again. https://www.scaleway.com/en/docs/transactional-email/how-to/configure-domain-with-transactional-email/`
  );
}

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
  /** The records declared in the zone (name, type, content, priority, ttl): no secret. */
  public readonly records: pulumi.Output<EmailRecord[]>;
  /** The offline verdict on the records: `{ ok, checks: [{ check, record, ok, level, message }], problems }`. */
  public readonly validation: pulumi.Output<EmailValidationVerdict>;
  /** The sending domain. */
  public readonly domain: pulumi.Output<string>;

  constructor(name: string, args: EmailArgs, opts?: pulumi.ComponentResourceOptions) {
    const provider = args.provider ?? "scaleway-tem";
    const relay = smtpRelayOf(provider);
    // The relay endpoint is recorded as the component's inputs: the plan shows it and `scw-pgw-smtp-blocked`
    // checks it against the gateway's SMTP setting.
    super("renfort:email:Email", name, { smtpHost: relay.host, smtpPort: relay.port }, opts);
    this.smtpRelay = relay;
    const tier = args.tier ?? "prod";
    const domain = pulumi.output(args.domain).apply(normalizeName);
    const policy = pulumi.all([domain, args.dmarc, args.spfAll ?? "-all", args.ttl ?? DEFAULT_TTL]).apply(([d, dmarc, spfAll, ttl]) => ({
      domain: d,
      dmarc: { policy: dmarc.policy ?? ("quarantine" as const), rua: dmarc.rua },
      spfAll,
      ttl,
    }));

    let values: pulumi.Output<ProviderDnsValues>;
    let selector: string;
    let chain: SpfChain;
    let smtpUrl: pulumi.Output<string>;
    let afterRecords: ((records: cloudflare.DnsRecord[]) => void) | undefined;
    // Resolves to true once TEM has validated the domain (Brevo: always true); the SMTP URL waits on it.
    let validated: pulumi.Output<true> = pulumi.output(true as const);

    if (provider === "scaleway-tem") {
      const tem = args.scaleway;
      if (!tem) throw new Error(`email ${name}: provider scaleway-tem needs args.scaleway (projectId)`);
      const region = tem.region ?? "fr-par";
      const temDomain = new scaleway.tem.Domain(
        `${name}-tem-domain`,
        // autoconfig only applies to zones hosted on Scaleway DNS; the records live in Cloudflare.
        { name: domain, acceptTos: true, region, projectId: tem.projectId, autoconfig: false },
        { parent: this },
      );
      values = pulumi.all([temDomain.spfConfig, temDomain.dkimName, temDomain.dkimConfig, temDomain.mxConfig]).apply(
        ([spfConfig, dkimName, dkimConfig, mxConfig]) => ({ spfTerms: spfConfig, dkim: { name: dkimName, value: dkimConfig }, mxConfig }),
      );
      // TEM publishes the DKIM key at `<projectId>._domainkey.<domain>`.
      selector = tem.projectId;
      chain = VENDORED_SPF_CHAINS["scaleway-tem"];
      afterRecords = (records) => {
        // TEM checks the records when asked: ask only once they exist.
        const validation = new scaleway.tem.DomainValidation(
          `${name}-tem-validation`,
          { domainId: temDomain.id, region, timeout: tem.validationTimeoutSeconds ?? DEFAULT_TEM_VALIDATION_TIMEOUT_SECONDS },
          { parent: this, dependsOn: records },
        );
        // Fail loudly: an invalid domain must stop `pulumi up` (the fleet's SMTP URL depends on it), not
        // deploy an app whose every confirmation email is refused.
        validated = pulumi.all([validation.validated, domain, validation.urn]).apply(([ok, d, urn]) => {
          const problem = temValidationProblem(ok, d, urn);
          if (problem) throw new Error(problem);
          return true as const;
        });
      };

      // SMTP: an IAM application that may only send through the relay, and its API key (password = secret key).
      const iamName = domain.apply((d) => `renfort-smtp-${d.replace(/\./g, "-")}`);
      const app = new scaleway.iam.Application(
        `${name}-smtp-app`,
        { name: iamName, description: pulumi.interpolate`SMTP sending for ${domain} (app)` },
        { parent: this },
      );
      const sendPolicy = new scaleway.iam.Policy(
        `${name}-smtp-policy`,
        {
          name: iamName,
          description: "Send through the Transactional Email SMTP relay, nothing else.",
          applicationId: app.id,
          rules: [{ projectIds: [tem.projectId], permissionSetNames: [TEM_SMTP_PERMISSION_SET] }],
        },
        { parent: this },
      );
      const key = new scaleway.iam.ApiKey(
        `${name}-smtp-key`,
        { applicationId: app.id, defaultProjectId: tem.projectId, description: pulumi.interpolate`SMTP password of ${domain}` },
        { parent: this, dependsOn: [sendPolicy] },
      );
      smtpUrl = pulumi
        .all([key.secretKey])
        .apply(([password]) => buildSmtpUrl({ user: tem.projectId, password, host: relay.host, port: relay.port }));
    } else {
      const brevo = args.brevo;
      if (!brevo) throw new Error(`email ${name}: provider brevo needs args.brevo (dkimSelector, dkimPublicKey, verificationCode, smtpLogin, smtpKey)`);
      selector = brevo.dkimSelector;
      chain = VENDORED_SPF_CHAINS.brevo;
      values = pulumi
        .all([domain, brevo.spfInclude ?? "spf.brevo.com", brevo.dkimPublicKey, brevo.verificationCode])
        .apply(([d, include, key, code]) => ({
          spfTerms: `include:${normalizeName(include)}`,
          dkim: { name: `${selector}._domainkey.${d}`, value: key },
          // Brevo's shared-IP envelope sender is its own domain: the sending domain receives nothing.
          mxConfig: null,
          verification: brevoVerification(code),
        }));
      smtpUrl = pulumi
        .all([brevo.smtpLogin, brevo.smtpKey])
        .apply(([user, password]) => buildSmtpUrl({ user, password, host: relay.host, port: relay.port }));
    }

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
    afterRecords?.(dnsRecords);

    const chains = args.spfChains ?? [chain];
    this.domain = domain;
    this.smtpUrl = pulumi.secret(pulumi.all([smtpUrl, validated]).apply(([url]) => url));
    this.records = plan.apply((rs) =>
      rs.map(({ key, name: n, type, content, priority, ttl }) => ({ key, name: n, type, content, ...(priority !== undefined ? { priority } : {}), ttl })),
    );
    this.validation = pulumi
      .all([plan, domain, args.sender, args.zoneName])
      .apply(([records, d, sender, zone]) => validateEmailRecords(records, { domain: d, tier, sender, chains, ...(zone ? { zone } : {}) }));

    this.registerOutputs({ smtpUrl: this.smtpUrl, records: this.records, validation: this.validation, domain: this.domain });
  }
}
