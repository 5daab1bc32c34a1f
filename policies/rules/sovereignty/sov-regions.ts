import { resourcePolicy } from "../../lib/policy";
import { isUnknown, peek } from "../../lib/unknown";

export interface Config {
  allowedRegions: string[];
  allowedZones: string[];
}

/**
 * Hosting stays in France. A Scaleway resource without region/zone uses its provider's; the explicit
 * Scaleway provider must therefore name both (otherwise SCW_DEFAULT_* on the runner decides).
 */
export const sovRegions = resourcePolicy<Config>(
  {
    name: "sov-regions",
    description: "Every Scaleway resource and provider is in an allowed region and zone (France, fr-par by default).",
    severity: "critical",
    remediationSteps: 'Set region "fr-par" / zone "fr-par-1" (or another allowed value) on the resource, and region and zone on the explicit scaleway.Provider.',
    url: "https://www.scaleway.com/en/docs/account/reference-content/products-availability/",
    configSchema: {
      properties: {
        allowedRegions: { type: "array", items: { type: "string" }, default: ["fr-par"], description: "Allowed Scaleway regions." },
        allowedZones: { type: "array", items: { type: "string" }, default: ["fr-par-1", "fr-par-2", "fr-par-3"], description: "Allowed Scaleway zones." },
      },
    },
  },
  ["scaleway:*", "pulumi:providers:scaleway"],
  ({ type, name, props, provider, config, report }) => {
    const isProvider = type === "pulumi:providers:scaleway";
    // Only read region/zone when the resource has them: most child resources inherit from their parent's id.
    let region = peek(props, "region") !== undefined ? (props.region as string) : undefined;
    let zone = peek(props, "zone") !== undefined ? (props.zone as string) : undefined;
    if (isProvider) {
      if (region === undefined) report(`scaleway provider ${name} sets no region, so the runner's SCW_DEFAULT_REGION decides: set region to one of ${config.allowedRegions.join(", ")}.`);
      if (zone === undefined) report(`scaleway provider ${name} sets no zone, so the runner's SCW_DEFAULT_ZONE decides: set zone to one of ${config.allowedZones.join(", ")}.`);
    } else if (region === undefined && zone === undefined && provider) {
      const pr = peek(provider.props, "region");
      const pz = peek(provider.props, "zone");
      region = typeof pr === "string" && !isUnknown(pr) ? pr : undefined;
      zone = typeof pz === "string" && !isUnknown(pz) ? pz : undefined;
    }
    if (region !== undefined && !config.allowedRegions.includes(region))
      report(`${isProvider ? "provider" : "resource"} ${name} is in region "${region}": use one of ${config.allowedRegions.join(", ")} (sov-regions.allowedRegions).`);
    if (zone !== undefined && !config.allowedZones.includes(zone))
      report(`${isProvider ? "provider" : "resource"} ${name} is in zone "${zone}": use one of ${config.allowedZones.join(", ")} (sov-regions.allowedZones).`);
  },
);
