import { stackPolicy } from "../../lib/policy";
import { settingOf, zonesOf } from "../../lib/cloudflare";

export interface Config {
  requireTls13: boolean;
}

/**
 * 0-RTT early data can be replayed by an attacker (RFC 8446 §8): a replayed signup POST creates duplicate
 * volunteers. TLS 1.3 stays on for its faster, safer handshake.
 */
export const cfTls13No0rtt = stackPolicy<Config>(
  {
    name: "cf-tls13-no-0rtt",
    description: "Every Cloudflare zone enables TLS 1.3 and keeps 0-RTT early data off, so requests cannot be replayed.",
    severity: "medium",
    remediationSteps: 'Declare ZoneSetting "tls_1_3" = "on" (not "zrt") and ZoneSetting "0rtt" = "off".',
    url: "https://developers.cloudflare.com/speed/optimization/protocol/0-rtt-connection-resumption/",
    configSchema: {
      properties: {
        requireTls13: { type: "boolean", default: true, description: "Require the tls_1_3 setting to be declared on." },
      },
    },
  },
  ({ resources, config, report }) => {
    for (const zone of zonesOf(resources)) {
      const tls13 = settingOf(zone, "tls_1_3");
      const zeroRtt = settingOf(zone, "0rtt");
      if (tls13?.props.value === "zrt") report('tls_1_3 is "zrt", which turns on 0-RTT early data: set it to "on".', tls13.urn);
      else if (config.requireTls13 && tls13?.props.value !== "on")
        report(`zone ${zone.key} does not declare tls_1_3 "on": declare ZoneSetting "tls_1_3" with value "on".`, (tls13 ?? zone.anchor).urn);
      if (zeroRtt && zeroRtt.props.value !== "off") report(`0rtt is "${String(zeroRtt.props.value)}", so early data can be replayed: set it to "off".`, zeroRtt.urn);
    }
  },
);
