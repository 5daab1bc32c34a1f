import { stackPolicy } from "../../lib/policy";
import { isEnabled, rulesOf, rulesetsOfPhase, settingOf, zonesOf } from "../../lib/cloudflare";

export interface Config {
  acceptRedirectRule: boolean;
}

/** A redirect rule that sends every plain-HTTP request to https is an accepted equivalent of the setting. */
function hasHttpsRedirectRule(zone: ReturnType<typeof zonesOf>[number]): boolean {
  return rulesetsOfPhase(zone, "http_request_dynamic_redirect").some((rs) =>
    rulesOf(rs).some((r) => {
      const e = r.expression.replace(/\s+/g, " ");
      const target = r.actionParameters?.fromValue?.targetUrl;
      const targetText = `${target?.value ?? ""} ${target?.expression ?? ""}`;
      return isEnabled(r) && r.action === "redirect" && /(not ssl|ssl eq false|!ssl)/.test(e) && targetText.includes("https://");
    }),
  );
}

export const cfAlwaysHttps = stackPolicy<Config>(
  {
    name: "cf-always-https",
    description: "Every Cloudflare zone redirects plain HTTP to HTTPS, with Always Use HTTPS or an equivalent redirect rule.",
    severity: "high",
    remediationSteps: 'Declare `ZoneSetting { settingId: "always_use_https", value: "on" }` for the zone.',
    url: "https://developers.cloudflare.com/ssl/edge-certificates/additional-options/always-use-https/",
    configSchema: {
      properties: {
        acceptRedirectRule: {
          type: "boolean",
          default: true,
          description: "Accept an http_request_dynamic_redirect rule on `not ssl` to https:// instead of the setting.",
        },
      },
    },
  },
  ({ resources, config, report }) => {
    for (const zone of zonesOf(resources)) {
      const s = settingOf(zone, "always_use_https");
      if (s && s.props.value === "on") continue;
      if (config.acceptRedirectRule && hasHttpsRedirectRule(zone)) continue;
      if (s) report(`always_use_https is "${String(s.props.value)}": set it to "on" so plain-HTTP visitors are redirected.`, s.urn);
      else
        report(
          `zone ${zone.key} neither sets always_use_https to "on" nor has a redirect rule from http to https: declare ZoneSetting "always_use_https" = "on".`,
          zone.anchor.urn,
        );
    }
  },
);
