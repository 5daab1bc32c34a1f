import { stackPolicy } from "../../lib/policy";
import { rulesOf, rulesetsOfPhase, settingOf, zonesOf } from "../../lib/cloudflare";

export interface Config {
  allowedModes: string[];
}

/**
 * Full (strict) makes Cloudflare validate the origin certificate; anything lower lets a network attacker
 * between Cloudflare and the origin read or change traffic. An absent setting means the Cloudflare
 * default, which is not strict.
 */
export const cfSslFullStrict = stackPolicy<Config>(
  {
    name: "cf-ssl-full-strict",
    description: "Every Cloudflare zone declares its SSL/TLS encryption mode as Full (strict), and no configuration rule lowers it.",
    severity: "critical",
    remediationSteps:
      'Declare `new cloudflare.ZoneSetting(name, { zoneId, settingId: "ssl", value: "strict" })` and remove `ssl` overrides from http_config_settings rules; the origin needs a certificate Cloudflare trusts (an Origin CA certificate).',
    url: "https://developers.cloudflare.com/ssl/origin-configuration/ssl-modes/full-strict/",
    configSchema: {
      properties: {
        allowedModes: {
          type: "array",
          items: { type: "string", enum: ["strict", "origin_pull"] },
          default: ["strict"],
          description: "SSL modes accepted for the zone.",
        },
      },
    },
  },
  ({ resources, config, report }) => {
    for (const zone of zonesOf(resources)) {
      const ssl = settingOf(zone, "ssl");
      if (!ssl) {
        report(
          `zone ${zone.key} has no "ssl" ZoneSetting, so Cloudflare's default (not Full strict) applies: declare settingId "ssl" with value "strict".`,
          zone.anchor.urn,
        );
      } else if (!config.allowedModes.includes(String(ssl.props.value))) {
        report(`ZoneSetting "ssl" is "${String(ssl.props.value)}": set it to "strict" (Full strict) so Cloudflare validates the origin certificate.`, ssl.urn);
      }
      for (const rs of rulesetsOfPhase(zone, "http_config_settings")) {
        rulesOf(rs).forEach((rule) => {
          const mode = rule.actionParameters?.ssl;
          if (rule.action === "set_config" && mode !== undefined && !config.allowedModes.includes(mode)) {
            report(`configuration rule "${rule.ref ?? rule.expression}" sets ssl to "${mode}": remove the override or set it to "strict".`, rs.urn);
          }
        });
      }
    }
  },
);
