/**
 * Scaleway Transactional Email: the TEM domain (its SPF, DKIM and MX values), its validation once the
 * records exist, and an IAM application whose API key is the SMTP password.
 * https://www.scaleway.com/en/docs/transactional-email/how-to/authenticate-domain
 */
import type * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import type { ProviderSending } from "./sending";
import { buildSmtpUrl, type SmtpRelayEndpoint } from "./smtp";

/**
 * IAM permission set that lets the app's key send through the SMTP relay and nothing else (no domain or
 * API management). Added by Scaleway on 2025-02-21 alongside TransactionalEmailEmailApiCreate:
 * https://github.com/scaleway/docs-content/commit/ff76d11478ea29e5d23c492d2ee293fe9418b2ea
 */
export const TEM_SMTP_PERMISSION_SET = "TransactionalEmailEmailSmtpCreate";

export const DEFAULT_TEM_VALIDATION_TIMEOUT_SECONDS = 3000;

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

/** The TEM domain, its validation and the SMTP credentials, as children of `parent`. */
export function temSending(parent: pulumi.Resource, name: string, domain: pulumi.Output<string>, tem: ScalewayTemArgs, relay: SmtpRelayEndpoint): ProviderSending {
  const region = tem.region ?? "fr-par";
  const temDomain = new scaleway.tem.Domain(
    `${name}-tem-domain`,
    // autoconfig only applies to zones hosted on Scaleway DNS; the records live in Cloudflare.
    { name: domain, acceptTos: true, region, projectId: tem.projectId, autoconfig: false },
    { parent },
  );
  const values = pulumi.all([temDomain.spfConfig, temDomain.dkimName, temDomain.dkimConfig, temDomain.mxConfig]).apply(
    ([spfConfig, dkimName, dkimConfig, mxConfig]) => ({ spfTerms: spfConfig, dkim: { name: dkimName, value: dkimConfig }, mxConfig }),
  );
  // TEM publishes the DKIM key at `<projectId>._domainkey.<domain>`.


  // SMTP: an IAM application that may only send through the relay, and its API key (password = secret key).
  const iamName = domain.apply((d) => `renfort-smtp-${d.replace(/\./g, "-")}`);
  const app = new scaleway.iam.Application(
    `${name}-smtp-app`,
    { name: iamName, description: pulumi.interpolate`SMTP sending for ${domain} (app)` },
    { parent },
  );
  const sendPolicy = new scaleway.iam.Policy(
    `${name}-smtp-policy`,
    {
      name: iamName,
      description: "Send through the Transactional Email SMTP relay, nothing else.",
      applicationId: app.id,
      rules: [{ projectIds: [tem.projectId], permissionSetNames: [TEM_SMTP_PERMISSION_SET] }],
    },
    { parent },
  );
  const key = new scaleway.iam.ApiKey(
    `${name}-smtp-key`,
    { applicationId: app.id, defaultProjectId: tem.projectId, description: pulumi.interpolate`SMTP password of ${domain}` },
    { parent, dependsOn: [sendPolicy] },
  );
  const smtpUrl = pulumi
    .all([key.secretKey])
    .apply(([password]) => buildSmtpUrl({ user: tem.projectId, password, host: relay.host, port: relay.port }));

  const afterRecords = (records: cloudflare.DnsRecord[]): pulumi.Output<true> => {
    // TEM checks the records when asked: ask only once they exist.
    const validation = new scaleway.tem.DomainValidation(
      `${name}-tem-validation`,
      { domainId: temDomain.id, region, timeout: tem.validationTimeoutSeconds ?? DEFAULT_TEM_VALIDATION_TIMEOUT_SECONDS },
      { parent, dependsOn: records },
    );
    // Fail loudly: an invalid domain must stop `pulumi up` (the fleet's SMTP URL depends on it), not
    // deploy an app whose every confirmation email is refused.
    return pulumi.all([validation.validated, domain, validation.urn]).apply(([ok, d, urn]) => {
      const problem = temValidationProblem(ok, d, urn);
      if (problem) throw new Error(problem);
      return true as const;
    });
  };
  // TEM publishes the DKIM key at `<projectId>._domainkey.<domain>`.
  return { values, selector: tem.projectId, smtpUrl, afterRecords };
}
