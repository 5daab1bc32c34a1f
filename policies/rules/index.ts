/**
 * Every policy of the pack, in table order. index.ts builds the PolicyPack from this list; the offline
 * gate (gate.ts) and the meta-tests read it too.
 */
import type { RenfortPolicy } from "../lib/policy";
import { cfAlwaysHttps } from "./edge/cf-always-https";
import { cfCacheNoDynamic } from "./edge/cf-cache-no-dynamic";
import { cfDnsProxied } from "./edge/cf-dns-proxied";
import { cfExprDeprecated } from "./edge/cf-expr-deprecated";
import { cfExprValid } from "./edge/cf-expr-valid";
import { cfGeoBan } from "./edge/cf-geo-ban";
import { cfHsts } from "./edge/cf-hsts";
import { cfMinTls } from "./edge/cf-min-tls";
import { cfRateLimitSignup } from "./edge/cf-rate-limit-signup";
import { cfSslFullStrict } from "./edge/cf-ssl-full-strict";
import { cfTls13No0rtt } from "./edge/cf-tls13-no-0rtt";
import { cfWafManaged } from "./edge/cf-waf-managed";
import { envNoPlainSecrets } from "./origin/env-no-plain-secrets";
import { fleetNoPublicIp } from "./origin/fleet-no-public-ip";
import { imgDigest } from "./origin/img-digest";
import { imgOwnRegistry } from "./origin/img-own-registry";
import { scwLbCertCoversHost } from "./origin/scw-lb-cert-covers-host";
import { scwLbHealthcheck } from "./origin/scw-lb-healthcheck";
import { scwLbIps } from "./origin/scw-lb-ips";
import { scwLbNoPlainHttp } from "./origin/scw-lb-no-plain-http";
import { scwLbOriginAuth } from "./origin/scw-lb-origin-auth";
import { scwLbOriginLock } from "./origin/scw-lb-origin-lock";
import { scwLbTlsLevel } from "./origin/scw-lb-tls-level";
import { scwDbAclClosed } from "./database/scw-db-acl-closed";
import { scwDbBackups } from "./database/scw-db-backups";
import { scwDbEncryption } from "./database/scw-db-encryption";
import { scwDbHa } from "./database/scw-db-ha";
import { scwDbPrivate } from "./database/scw-db-private";
import { scwDbProtect } from "./database/scw-db-protect";
import { emailDkimKey } from "./email/email-dkim-key";
import { emailDmarcPolicy } from "./email/email-dmarc-policy";
import { emailSpfLookups } from "./email/email-spf-lookups";
import { emailSpfSingle } from "./email/email-spf-single";
import { emailSpfSyntax } from "./email/email-spf-syntax";
import { fleetCapacity } from "./capacity/fleet-capacity";
import { scwDbConnBudget } from "./capacity/scw-db-conn-budget";
import { scwDbBackupLocality } from "./sovereignty/scw-db-backup-locality";
import { sovRegions } from "./sovereignty/sov-regions";
import { PLATFORM_LIMITS_AREA, platformLimitsPolicies } from "./platform-limits";

export const policies: readonly RenfortPolicy[] = [
  cfAlwaysHttps,
  cfCacheNoDynamic,
  cfDnsProxied,
  cfExprDeprecated,
  cfExprValid,
  cfGeoBan,
  cfHsts,
  cfMinTls,
  cfRateLimitSignup,
  cfSslFullStrict,
  cfTls13No0rtt,
  cfWafManaged,
  envNoPlainSecrets,
  fleetNoPublicIp,
  imgDigest,
  imgOwnRegistry,
  scwLbCertCoversHost,
  scwLbHealthcheck,
  scwLbIps,
  scwLbNoPlainHttp,
  scwLbOriginLock,
  scwLbOriginAuth,
  scwLbTlsLevel,
  scwDbAclClosed,
  scwDbBackups,
  scwDbEncryption,
  scwDbHa,
  scwDbPrivate,
  scwDbProtect,
  emailDkimKey,
  emailDmarcPolicy,
  emailSpfLookups,
  emailSpfSingle,
  emailSpfSyntax,
  fleetCapacity,
  scwDbConnBudget,
  scwDbBackupLocality,
  sovRegions,
  ...platformLimitsPolicies,
];

/** Area of each policy (its folder), for the README table and the meta-tests. */
export const areaOf: Record<string, string> = {
  "cf-always-https": "edge",
  "cf-cache-no-dynamic": "edge",
  "cf-dns-proxied": "edge",
  "cf-expr-deprecated": "edge",
  "cf-expr-valid": "edge",
  "cf-geo-ban": "edge",
  "cf-hsts": "edge",
  "cf-min-tls": "edge",
  "cf-rate-limit-signup": "edge",
  "cf-ssl-full-strict": "edge",
  "cf-tls13-no-0rtt": "edge",
  "cf-waf-managed": "edge",
  "env-no-plain-secrets": "origin",
  "fleet-no-public-ip": "origin",
  "img-digest": "origin",
  "img-own-registry": "origin",
  "scw-lb-cert-covers-host": "origin",
  "scw-lb-healthcheck": "origin",
  "scw-lb-ips": "origin",
  "scw-lb-no-plain-http": "origin",
  "scw-lb-origin-lock": "origin",
  "scw-lb-origin-auth": "origin",
  "scw-lb-tls-level": "origin",
  "scw-db-acl-closed": "database",
  "scw-db-backups": "database",
  "scw-db-encryption": "database",
  "scw-db-ha": "database",
  "scw-db-private": "database",
  "scw-db-protect": "database",
  "email-dkim-key": "email",
  "email-dmarc-policy": "email",
  "email-spf-lookups": "email",
  "email-spf-single": "email",
  "email-spf-syntax": "email",
  "fleet-capacity": "capacity",
  "scw-db-conn-budget": "capacity",
  "scw-db-backup-locality": "sovereignty",
  "sov-regions": "sovereignty",
  ...Object.fromEntries(platformLimitsPolicies.map((p) => [p.name, PLATFORM_LIMITS_AREA])),
};
