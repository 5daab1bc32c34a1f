/**
 * The stack's config, parsed once into one typed object. Every area has its schema beside this file;
 * an invalid value fails with a message naming the full key and the fix, for example
 * `renfort:fleet.minInstances must be an integer >= 2 in prod, got 0`.
 */
import { z } from "zod";
import { appSchema } from "./app";
import { TIERS, type Tier, type TierIssue } from "./common";
import { databaseSchema, databaseTierRules } from "./database";
import { edgeSchema, edgeTierRules } from "./edge";
import { emailSchema, emailTierRules } from "./email";
import { capacityProvenance, capacitySchema, fleetSchema, fleetTierRules, networkSchema, originSchema, originTierRules, originZoneRules } from "./origin";
import { domainSchema, scalewaySchema, sovereigntySchema, sovereigntyTierRules } from "./platform";

export const NAMESPACE = "renfort";

/** Keys holding secrets: set with `pulumi config set --secret`, read as secret Outputs, never parsed here. */
export const SECRET_KEYS = {
  /** PEM private key matching `origin.certificateSigningRequest`: the LB presents it with the Origin CA certificate. */
  originTlsPrivateKey: { required: true, description: "PEM private key of the origin certificate (secret)." },
  /** Token the app's admin API requires. */
  adminToken: { required: true, description: "Bearer token of the app's admin API (secret)." },
  /** Password of the database admin user; generated when absent. */
  databaseAdminPassword: { required: false, description: "Database admin password (secret); generated when absent." },
  /**
   * Cloudflare API token lego uses to answer the apex's DNS-01 challenge: Zone > Zone > Read and Zone > DNS > Edit
   * on the stack's Cloudflare zone only (https://go-acme.github.io/lego/dns/cloudflare/). Required once the apex
   * certificate is declared (secretsRequiredBy).
   */
  acmeDnsApiToken: {
    required: false,
    description:
      "Cloudflare API token for the apex certificate's DNS-01 challenge (secret; permissions Zone > Zone > Read and Zone > DNS > Edit on renfort:domain.zone only); required once the apex certificate is declared (apexDnsManagedHere or apexChallengeDelegated).",
  },
  /** Brevo SMTP key; required with renfort:email.provider brevo (Scaleway's SMTP password is an API key the stack creates). */
  emailSmtpKey: {
    required: false,
    description: "Brevo SMTP key (secret; Brevo's Settings > SMTP & API > SMTP); required when renfort:email.provider is brevo.",
  },
} as const satisfies Record<string, { required: boolean; description: string }>;
export type SecretKey = keyof typeof SECRET_KEYS;

/** The secrets a parsed config needs besides the always-required ones: the one place saying when an optional secret is required. */
export function secretsRequiredBy(cfg: Pick<RenfortConfig, "email" | "domain">): SecretKey[] {
  return [...(cfg.email.provider === "brevo" ? (["emailSmtpKey"] as const) : []), ...(apexCertificateWanted(cfg.domain) ? (["acmeDnsApiToken"] as const) : [])];
}

/**
 * Whether the apex certificate is declared: its DNS-01 challenge can be answered once `_acme-challenge.<apex>`
 * is delegated to the Cloudflare zone, which the stack does itself when it manages the apex zone and the zone's
 * owner does otherwise (`apexChallengeDelegated`). The one place that says so; the wiring and the secrets follow it.
 */
export function apexCertificateWanted(domain: Pick<RenfortConfig["domain"], "apexDnsManagedHere" | "apexChallengeDelegated">): boolean {
  return domain.apexDnsManagedHere || domain.apexChallengeDelegated;
}

/** The message for a required secret that is not set. */
export function missingSecretProblem(key: SecretKey): string {
  return `${NAMESPACE}:${key} is required: set it with pulumi config set --secret ${key} <value> (${SECRET_KEYS[key].description})`;
}

/**
 * Each key's description (`.describe()`) and what it protects against (`.meta({ protects })`): the source of
 * Pulumi.yaml's key descriptions and the README's configuration table (`npm run config:docs`; docs.test.ts
 * fails when either drifts).
 */
export const configSchema = z.strictObject({
  tier: z
    .enum(TIERS)
    .describe("staging or prod. Prod is stricter (HA database, two or more instances, DMARC quarantine/reject, one-year HSTS), never differently shaped.")
    .meta({ protects: "prod-only rules applied to the wrong stack" }),
  domain: domainSchema
    .describe(
      "Host names: the apex (kept off Cloudflare, redirected by the load balancer), the Cloudflare zone, the main host inside it; declare the apex A records and its ACME delegation in Scaleway DNS or only output them (then apexChallengeDelegated says when the apex zone's owner has added the delegation, so the apex certificate can be issued).",
    )
    .meta({ protects: "an apex behind Cloudflare (sovereignty), a main host outside its zone" }),
  scaleway: scalewaySchema
    .describe("Where Scaleway resources live (region fr-par, zone fr-par-1); project and organization are pinned on an explicit provider.")
    .meta({ protects: "deploying with credentials of another project or region" }),
  sovereignty: sovereigntySchema
    .prefault({})
    .describe("Where resources may live, and whether database backups stay in the database's region.")
    .meta({ protects: "data leaving the sovereign region" }),
  edge: edgeSchema
    .describe(
      "Cloudflare: the zone (pinned, never looked up) and its plan, TLS floor and HSTS, managed WAF, banned countries (never FR or a French territory), challenged paths, rate limits per visitor and data centre.",
    )
    .meta({ protects: "rulesets the plan does not allow, downgrade attacks, SSL stripping, exploits, admin-area scanning, signup floods (thresholds stay above a town hall's shared address)" }),
  network: networkSchema
    .prefault({})
    .describe("Private network of the fleet and the database, and the NAT gateway of the fleet's egress.")
    .meta({ protects: "public addresses on the fleet" }),
  origin: originSchema
    .describe(
      "Load balancers: one (with one IPv4, optionally one IPv6) per zone, their offer and TLS profile, the Origin CA certificate, the apex records' TTL, the apex's Let's Encrypt certificate (DNS-01: directory, renewal threshold, expiry warning).",
    )
    .meta({ protects: "two IPv4 on one load balancer (refused by Scaleway), weak TLS, HTTP 526 behind SSL strict, an apex certificate that fails on one of two load balancers (HTTP-01) or expires unrenewed" }),
  fleet: fleetSchema
    .describe(
      "App servers: instance type, the bounds of the autoscaling groups (split over the load balancers), the boot snapshot per zone, the app image in the project's registry by digest, how long a release may take to become healthy.",
    )
    .meta({ protects: "a single point of failure (min 2 in prod), running an unreviewed or mutable image" }),
  capacity: capacitySchema
    .describe("The capacity model; the per-instance figure is written by `npm run capacity` from a load campaign.")
    .meta({ protects: "a fleet or a database too small for launch night" }),
  database: databaseSchema
    .describe(
      "Managed PostgreSQL: the instance (settings values are strings, e.g. max_connections: \"600\"), backups, the application database, admin reachability, the three roles, the read replica.",
    )
    .meta({ protects: "data loss, an outage on a node failure, connection exhaustion, an app able to change the schema, a database open to the internet" }),
  email: emailSchema
    .describe("Transactional email: the provider (scaleway-tem or brevo), the sending domain (default mail.<zone>), the sender and DMARC; brevo holds Brevo's values.")
    .meta({ protects: "confirmation emails in spam, spoofing of the sender" }),
  app: appSchema
    .describe("App runtime switches: the app's log level, and the degraded mode of a new database (the live switch is the database row `npm run ops -- degraded on|off` sets).")
    .meta({ protects: "—" }),
});

type ParsedConfig = z.infer<typeof configSchema>;

/** The validated config, with the defaults that depend on other keys filled in. */
export type RenfortConfig = Omit<ParsedConfig, "email"> & { email: ParsedConfig["email"] & { domain: string } };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function keyOf(path: readonly PropertyKey[]): string {
  const [area, ...rest] = path.map(String);
  return `${NAMESPACE}:${area ?? ""}${rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("")}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

/** Turns one zod issue into `renfort:<key> <what is wrong and the fix>, got <value>`. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const got = valueAt(raw, issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map(
        (k) => `${keyOf([...issue.path, k])} is not a known key: remove it or fix its spelling (see Pulumi.yaml and the README's configuration table)`,
      );
    case "invalid_type":
      // A key only one variant of a union takes (`email.brevo` without provider brevo): the schema says why.
      if (issue.expected === "never") return [`${keyOf(issue.path)} ${issue.message}`];
      if (got === undefined) {
        return [`${keyOf(issue.path)} is required: set it with pulumi config set --path '${keyOf(issue.path).slice(NAMESPACE.length + 1)}' <value>`];
      }
      return [`${keyOf(issue.path)} must be ${issue.expected === "object" ? "a map of keys" : `a ${issue.expected}`}, got ${show(got)}`];
    case "invalid_value":
      return [`${keyOf(issue.path)} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${show(got)}`];
    case "invalid_union":
      if ("options" in issue && Array.isArray(issue.options)) {
        // A discriminated union's tag (`email.provider`): name the accepted values, like an enum.
        return [`${keyOf(issue.path)} must be one of ${issue.options.map((v) => JSON.stringify(v)).join(", ")}, got ${show(got)}`];
      }
      return [`${keyOf(issue.path)} is not an accepted value, got ${show(got)}`];
    default: {
      // Messages in the schemas are written as "must ...".
      const message = /^must\b/.test(issue.message) ? issue.message : `is invalid: ${issue.message}`;
      return [`${keyOf(issue.path)} ${message}, got ${show(got)}`];
    }
  }
}

function describeTierIssue(area: string, issue: TierIssue): string {
  return `${keyOf([area, ...issue.path])} ${issue.message}, got ${show(issue.value)}`;
}

export interface ParseOptions {
  /** The clock dated waivers are checked against (renfort:capacity.unmeasuredWaiver.until); now by default. */
  now?: Date;
}

/**
 * Validates the `renfort:*` config of a stack (keys without the namespace, structured values already
 * parsed) and returns the typed config, or throws a {@link ConfigError} listing every problem.
 */
export function parseConfig(raw: Record<string, unknown>, options: ParseOptions = {}): RenfortConfig {
  const { config, posture } = parseConfigReport(raw, options);
  if (posture.length > 0) throw new ConfigError(posture);
  return config;
}

/**
 * Like {@link parseConfig}, but returns the posture problems (values that are well formed but weaken the
 * platform for the stack's tier: HA off in prod, an open admin ACL, ...) instead of throwing on them.
 * The offline plan uses it so that such a stack still evaluates and the policy gate can name the policy
 * and the resource; the program itself (`pulumi up`) refuses them through {@link parseConfig}.
 * Malformed config (wrong type, missing or unknown key) always throws.
 */
export function parseConfigReport(raw: Record<string, unknown>, options: ParseOptions = {}): { config: RenfortConfig; posture: string[] } {
  const plain = Object.fromEntries(Object.entries(raw).filter(([k]) => !(k in SECRET_KEYS)));
  const result = configSchema.safeParse(plain);
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((i) => describeIssue(i, plain)));
  }
  const cfg = result.data;
  const tier: Tier = cfg.tier;
  const posture = [
    ...sovereigntyTierRules(cfg.sovereignty, tier).map((i) => describeTierIssue("sovereignty", i)),
    ...edgeTierRules(cfg.edge, tier).map((i) => describeTierIssue("edge", i)),
    ...originTierRules(cfg.origin, tier).map((i) => describeTierIssue("origin", i)),
    ...fleetTierRules(cfg.fleet, tier).map((i) => describeTierIssue("fleet", i)),
    ...databaseTierRules(cfg.database, tier).map((i) => describeTierIssue("database", i)),
    ...emailTierRules(cfg.email, tier).map((i) => describeTierIssue("email", i)),
    ...capacityProvenance(cfg.capacity, tier, options.now ?? new Date()).issues.map((i) => describeTierIssue("capacity", i)),
  ];
  const problems: string[] = originZoneRules(cfg.origin, cfg.fleet, cfg.scaleway.region).map((i) => describeTierIssue(String(i.path[0]), { ...i, path: i.path.slice(1) }));
  const emailDomain = cfg.email.domain ?? `mail.${cfg.domain.zone}`;
  if (emailDomain !== cfg.domain.zone && !emailDomain.endsWith(`.${cfg.domain.zone}`)) {
    problems.push(`${keyOf(["email", "domain"])} must be inside the Cloudflare zone ${cfg.domain.zone} (its records are declared there), got ${show(emailDomain)}`);
  }
  if (cfg.email.sender.split("@")[1]?.toLowerCase() !== emailDomain) {
    problems.push(`${keyOf(["email", "sender"])} must be an address on the sending domain ${emailDomain} (DMARC alignment), got ${show(cfg.email.sender)}`);
  }
  if (!cfg.sovereignty.allowedRegions.includes(cfg.scaleway.region)) {
    posture.push(`${keyOf(["scaleway", "region"])} must be one of renfort:sovereignty.allowedRegions (${cfg.sovereignty.allowedRegions.join(", ")}), got ${show(cfg.scaleway.region)}`);
  }
  if (!cfg.sovereignty.allowedZones.includes(cfg.scaleway.zone)) {
    posture.push(`${keyOf(["scaleway", "zone"])} must be one of renfort:sovereignty.allowedZones (${cfg.sovereignty.allowedZones.join(", ")}), got ${show(cfg.scaleway.zone)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: { ...cfg, email: { ...cfg.email, domain: emailDomain } }, posture };
}
