/**
 * The `platform-limits` area: rules the providers' real APIs enforce (or silently mishandle) that the
 * mocks accept, so the offline plan refuses a program a real `pulumi up` would fail on. Every policy of
 * this area is mandatory in every stack (meta.test.ts checks it) and names the provider's documentation
 * or source it encodes.
 *
 * Add a policy: its file and test in this folder, one import and one list entry below (keep both sorted
 * by name), and a `{ "enforcementLevel": "mandatory" }` entry in policies/config/staging.json and prod.json.
 */
import type { RenfortPolicy } from "../../lib/policy";
import { cfRateLimitPlan } from "./cf-rate-limit-plan";
import { cfRulesetEntrypointUnique } from "./cf-ruleset-entrypoint-unique";
import { pgSslmodeLibpq } from "./pg-sslmode-libpq";
import { scwAsgOneLb } from "./scw-asg-one-lb";
import { scwAsgReleaseReplace } from "./scw-asg-release-replace";
import { scwDbAclDocumentationRange } from "./scw-db-acl-documentation-range";
import { scwLbHttp01OneLb } from "./scw-lb-http01-one-lb";
import { scwLbOneIpv4 } from "./scw-lb-one-ipv4";
import { scwPgwSmtpBlocked } from "./scw-pgw-smtp-blocked";
import { scwTemValidationTimeout } from "./scw-tem-validation-timeout";

export const PLATFORM_LIMITS_AREA = "platform-limits";

export const platformLimitsPolicies: readonly RenfortPolicy[] = [
  cfRateLimitPlan,
  cfRulesetEntrypointUnique,
  pgSslmodeLibpq,
  scwAsgOneLb,
  scwAsgReleaseReplace,
  scwDbAclDocumentationRange,
  scwLbHttp01OneLb,
  scwLbOneIpv4,
  scwPgwSmtpBlocked,
  scwTemValidationTimeout,
];
