import { resourcePolicy } from "../../lib/policy";
import { DIGEST, imageRefs } from "../../lib/workload";
import { WORKLOAD_TYPES, cloudInitOf, containerImageOf, isContainer, isTemplate } from "../../lib/fleet";

export interface Config {
  requireImageInTemplate: boolean;
}

/** Tags are mutable: only a digest guarantees every instance runs the image that was reviewed. */
export const imgDigest = resourcePolicy<Config>(
  {
    name: "img-digest",
    description: "Every container image the fleet runs is pinned by a sha256 digest, never by a tag such as latest.",
    severity: "high",
    remediationSteps: "Reference the image as rg.<region>.scw.cloud/<namespace>/<repository>@sha256:<64 hex> (set renfort:fleet.image.digest from the build).",
    url: "https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier",
    configSchema: {
      properties: {
        requireImageInTemplate: {
          type: "boolean",
          default: true,
          description: "Report an autoscaling template whose cloud-init names no image (the check could not see what runs).",
        },
      },
    },
  },
  WORKLOAD_TYPES,
  ({ type, props, config, report }) => {
    const text = isContainer(type) ? containerImageOf(props) : cloudInitOf(type, props);
    if (text === undefined) {
      if (isTemplate(type) && config.requireImageInTemplate) report("the instance template has no cloud-init, so it names no image: pull and run the app image by digest in cloudInit.");
      return;
    }
    const refs = isContainer(type) ? imageRefs(`image: ${text}`) : imageRefs(text);
    if (!refs.length && isTemplate(type) && config.requireImageInTemplate)
      report("the instance template's cloud-init names no container image: pull and run the app image as <registry>/<repository>@sha256:<digest>.");
    for (const r of refs) {
      if (!r.digest || !DIGEST.test(r.digest))
        report(`image ${r.host}/${r.repository}${r.tag ? `:${r.tag}` : ""} is not pinned by digest${r.tag === "latest" ? " (latest moves)" : ""}: use @sha256:<64 hex digits>.`);
    }
  },
);
