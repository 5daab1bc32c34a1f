/**
 * Wires the components into the platform, in dependency order: network, database, email, origin (load
 * balancers), fleet (registered in the origin's backends), edge. Each `create*` maps the typed config onto its component's args.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import { createDatabase } from "./wiring/database";
import { createEdge } from "./wiring/edge";
import { createEmail } from "./wiring/email";
import { createFleet } from "./wiring/fleet";
import { createNetwork } from "./wiring/network";
import { createOrigin } from "./wiring/origin";
import type { RenfortConfig } from "./config";
import type { StackSecrets } from "./load";

export const PLATFORM = "renfort";

/**
 * The stack's explicit providers. They pin the Scaleway organization, project and locality, so credentials
 * for another project or a default region from the operator's shell cannot move resources. Credentials
 * come from the environment (SCW_ACCESS_KEY/SCW_SECRET_KEY, CLOUDFLARE_API_TOKEN) or the
 * `cloudflare:apiToken` secret.
 */
export function createProviders(cfg: RenfortConfig): { scaleway: scaleway.Provider; cloudflare: cloudflare.Provider } {
  return {
    scaleway: new scaleway.Provider(`${PLATFORM}-scaleway`, {
      projectId: cfg.scaleway.projectId,
      organizationId: cfg.scaleway.organizationId,
      region: cfg.scaleway.region,
      zone: cfg.scaleway.zone,
    }),
    cloudflare: new cloudflare.Provider(`${PLATFORM}-cloudflare`, {
      apiToken: new pulumi.Config("cloudflare").getSecret("apiToken"),
    }),
  };
}

/** Builds every resource of the stack and returns its outputs. */
export function buildPlatform(cfg: RenfortConfig, secrets: StackSecrets) {
  const providers = createProviders(cfg);
  const opts = { providers: [providers.scaleway, providers.cloudflare] };

  const network = createNetwork(cfg, opts);
  const database = createDatabase(cfg, secrets, { privateNetworkId: network.privateNetworkId }, opts);
  const email = createEmail(cfg, opts, { brevoSmtpKey: secrets.emailSmtpKey });
  const origin = createOrigin(cfg, secrets, { privateNetworkId: network.privateNetworkId }, opts);
  const { fleet, capacity } = createFleet(
    cfg,
    secrets,
    { privateNetworkId: network.privateNetworkId, loadBalancers: origin.loadBalancers, appDatabaseUrl: database.appConnectionString, databaseCaCertificate: database.caCertificate, smtpUrl: email.smtpUrl },
    opts,
  );
  const edge = createEdge(cfg, { originIps: origin.ipAddresses, originAuth: origin.originAuth }, opts);

  return {
    tier: cfg.tier,
    mainUrl: `https://${cfg.domain.mainHost}`,
    /** The load balancers' IPv4 addresses (one each): the main host's proxied records and the apex's A records point here. */
    originIps: origin.ipAddresses,
    /** A records to hand to the owner of the apex zone (kept off Cloudflare). */
    apexRecords: origin.apexRecords,
    /**
     * The CNAME `_acme-challenge.<apex>` → a name in the Cloudflare zone, through which the apex certificate's
     * DNS-01 challenge is answered: declared in Scaleway DNS when renfort:domain.apexDnsManagedHere, else for
     * the apex zone's owner to add once (then set renfort:domain.apexChallengeDelegated).
     */
    apexAcmeDelegation: origin.apexAcmeDelegation,
    /** When the apex certificate expires (RFC 3339), for the expiry check; absent until it is declared. */
    apexCertificate: { host: cfg.domain.apex, notAfter: origin.apexCertificateNotAfter, expiryWarningDays: cfg.origin.apexCertificate.expiryWarningDays },
    capacity,
    /**
     * The load balancers and what each backend must hold, for the post-deploy check
     * (`npm run release -- --check --outputs`, tools/release/post-deploy-check.ts): zone, id
     * (`<zone>/<uuid>`), backend ids, and the healthy servers each backend needs at least (its instance
     * group's minimum, not the fleet's total: each group registers in one load balancer only).
     */
    loadBalancers: origin.loadBalancers.map((lb) => ({
      key: lb.key,
      zone: lb.zone,
      id: lb.loadBalancerId,
      backendIds: [lb.backendId],
      minHealthyPerBackend: fleet.minHealthyPerBackend,
    })),
    /** The image the fleet runs and the release id naming its instance groups: not secret, shown in the plan and its diff. */
    fleet: { imageReference: fleet.imageReference, release: fleet.release },
    edgeRulesets: edge.rulesetIds,
    /** The records the Email component declares: the offline plan judges them (tools/plan/email). */
    email: { domain: cfg.email.domain, sender: cfg.email.sender, smtpRelay: email.smtpRelay, records: email.records },
    database: { instanceId: database.instanceId, privateEndpoint: database.privateEndpoint, caCertificate: database.caCertificate },
    registry: fleet.registryEndpoint,
  };
}
