import { stackPolicy } from "../../lib/policy";
import { settingOf, zonesOf } from "../../lib/cloudflare";

export interface Config {
  minMaxAge: number;
  requireIncludeSubdomains: boolean;
  requirePreload: boolean;
  requireNosniff: boolean;
}

interface Hsts {
  enabled?: boolean;
  max_age?: number;
  include_subdomains?: boolean;
  preload?: boolean;
  nosniff?: boolean;
}

/**
 * The ZoneSetting `value` is passed to the API as is, so its keys must be snake_case
 * (pulumi-cloudflare#1579): camelCase keys are silently ignored and leave HSTS off.
 */
export const cfHsts = stackPolicy<Config>(
  {
    name: "cf-hsts",
    description: "Every Cloudflare zone sends Strict-Transport-Security with a long max-age, includeSubDomains and nosniff.",
    severity: "medium",
    remediationSteps:
      'Declare `ZoneSetting { settingId: "security_header", value: { strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: true, preload: false, nosniff: true } } }` with snake_case keys.',
    url: "https://developers.cloudflare.com/ssl/edge-certificates/additional-options/http-strict-transport-security/",
    configSchema: {
      properties: {
        minMaxAge: { type: "integer", minimum: 0, default: 31536000, description: "Lowest acceptable max_age in seconds (one year)." },
        requireIncludeSubdomains: { type: "boolean", default: true, description: "Require include_subdomains." },
        requirePreload: { type: "boolean", default: false, description: "Require preload (only once the domain is on the preload list)." },
        requireNosniff: { type: "boolean", default: true, description: "Require X-Content-Type-Options: nosniff." },
      },
    },
  },
  ({ resources, config, report }) => {
    for (const zone of zonesOf(resources)) {
      const s = settingOf(zone, "security_header");
      if (!s) {
        report(`zone ${zone.key} has no "security_header" ZoneSetting, so no HSTS header is sent: declare it with strict_transport_security enabled.`, zone.anchor.urn);
        continue;
      }
      const value = (s.props.value ?? {}) as Record<string, unknown>;
      if (value.strictTransportSecurity !== undefined && value.strict_transport_security === undefined) {
        report(`security_header uses the camelCase key "strictTransportSecurity", which the API ignores: use snake_case keys (strict_transport_security, max_age, include_subdomains).`, s.urn);
        continue;
      }
      const h = (value.strict_transport_security ?? {}) as Hsts;
      const problems: string[] = [];
      if (h.enabled !== true) problems.push("set enabled: true");
      if (typeof h.max_age !== "number" || h.max_age < config.minMaxAge) problems.push(`set max_age >= ${config.minMaxAge} (got ${String(h.max_age)})`);
      if (config.requireIncludeSubdomains && h.include_subdomains !== true) problems.push("set include_subdomains: true");
      if (config.requireNosniff && h.nosniff !== true) problems.push("set nosniff: true");
      if (config.requirePreload && h.preload !== true) problems.push("set preload: true");
      if (problems.length) report(`HSTS (security_header.strict_transport_security) is too weak: ${problems.join("; ")}.`, s.urn);
    }
  },
);
