import { stackPolicy } from "../../lib/policy";
import { settingOf, zonesOf } from "../../lib/cloudflare";

export interface Config {
  minVersion: string;
}

const ORDER = ["1.0", "1.1", "1.2", "1.3"];

/** TLS 1.0 and 1.1 are deprecated (RFC 8996); ANSSI and Mozilla "intermediate" start at 1.2. */
export const cfMinTls = stackPolicy<Config>(
  {
    name: "cf-min-tls",
    description: "Every Cloudflare zone sets a minimum TLS version of at least the configured version (1.2 by default).",
    severity: "high",
    remediationSteps: 'Declare `ZoneSetting { settingId: "min_tls_version", value: "1.2" }` (or "1.3") for the zone.',
    url: "https://developers.cloudflare.com/ssl/edge-certificates/additional-options/minimum-tls/",
    configSchema: {
      properties: {
        minVersion: { type: "string", enum: ORDER, default: "1.2", description: "Lowest acceptable min_tls_version." },
      },
    },
  },
  ({ resources, config, report }) => {
    for (const zone of zonesOf(resources)) {
      const s = settingOf(zone, "min_tls_version");
      if (!s) {
        report(
          `zone ${zone.key} has no "min_tls_version" ZoneSetting, so Cloudflare accepts TLS 1.0: declare it with value "${config.minVersion}".`,
          zone.anchor.urn,
        );
        continue;
      }
      const v = String(s.props.value);
      if (!ORDER.includes(v) || ORDER.indexOf(v) < ORDER.indexOf(config.minVersion)) {
        report(`min_tls_version is "${v}": set it to "${config.minVersion}" or higher (cf-min-tls.minVersion).`, s.urn);
      }
    }
  },
);
