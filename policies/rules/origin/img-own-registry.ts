import { resourcePolicy } from "../../lib/policy";
import { imageRefs } from "../../lib/workload";
import { WORKLOAD_TYPES, cloudInitOf, containerImageOf, isContainer } from "../../lib/fleet";

export interface Config {
  allowedRegions: string[];
  namespaces: string[];
}

/** Images come from the project's private Scaleway registry in an allowed region: supply chain and sovereignty. */
export const imgOwnRegistry = resourcePolicy<Config>(
  {
    name: "img-own-registry",
    description: "Every container image the fleet runs comes from the project's Scaleway registry (rg.<region>.scw.cloud) in an allowed region and namespace.",
    severity: "high",
    remediationSteps: "Push the image to the project's registry namespace and reference it as rg.fr-par.scw.cloud/<namespace>/<repository>@sha256:<digest>.",
    url: "https://www.scaleway.com/en/docs/container-registry/how-to/push-images/",
    configSchema: {
      properties: {
        allowedRegions: { type: "array", items: { type: "string" }, default: ["fr-par"], description: "Registry regions allowed." },
        namespaces: { type: "array", items: { type: "string" }, default: [], description: "Registry namespaces allowed (empty = any namespace of an allowed region)." },
      },
    },
  },
  WORKLOAD_TYPES,
  ({ type, props, config, report }) => {
    const text = isContainer(type) ? containerImageOf(props) : cloudInitOf(type, props);
    if (text === undefined) return;
    for (const r of imageRefs(isContainer(type) ? `image: ${text}` : text)) {
      const m = /^rg\.([a-z]{2}-[a-z]{3})\.scw\.cloud$/.exec(r.host);
      const name = `${r.host}/${r.repository}`;
      if (!m) report(`image ${name} is not from the project's Scaleway registry: push it to rg.${config.allowedRegions[0]}.scw.cloud/<namespace>.`);
      else if (!config.allowedRegions.includes(m[1])) report(`image ${name} is in registry region ${m[1]}: use one of ${config.allowedRegions.join(", ")}.`);
      else if (config.namespaces.length && !config.namespaces.includes(r.repository.split("/")[0]))
        report(`image ${name} is in namespace "${r.repository.split("/")[0]}": use the project's namespace (${config.namespaces.join(", ")}).`);
    }
  },
);
