import { resourcePolicy } from "../../lib/policy";
import { T, as, type LbProps } from "../../lib/types";

export interface Config {
  allowedLevels: string[];
}

/** Mozilla "old" re-enables TLS 1.0/1.1 and weak ciphers on the origin. Unset = Scaleway's default, intermediate. */
export const scwLbTlsLevel = resourcePolicy<Config>(
  {
    name: "scw-lb-tls-level",
    description: "The load balancer's TLS compatibility level is intermediate or modern, never old.",
    severity: "high",
    remediationSteps: 'Set `sslCompatibilityLevel: "ssl_compatibility_level_intermediate"` (or `..._modern`) on the LoadBalancer.',
    url: "https://www.scaleway.com/en/developers/api/load-balancer/zoned-api/#path-load-balancer-create-a-load-balancer",
    configSchema: {
      properties: {
        allowedLevels: {
          type: "array",
          items: { type: "string" },
          default: ["ssl_compatibility_level_intermediate", "ssl_compatibility_level_modern"],
          description: "Accepted values of sslCompatibilityLevel.",
        },
      },
    },
  },
  T.lb,
  ({ props, config, report }) => {
    const level = as<LbProps>(props).sslCompatibilityLevel;
    if (level !== undefined && !config.allowedLevels.includes(level))
      report(`sslCompatibilityLevel is "${level}": set it to one of ${config.allowedLevels.join(", ")}.`);
  },
);
