/**
 * Where a stack's app image lives, read from its stack file: `renfort:scaleway.region` and
 * `renfort:fleet.image.{namespace,repository}` give `rg.<region>.scw.cloud/<namespace>/<repository>`
 * (https://www.scaleway.com/en/docs/container-registry/concepts/#namespace).
 * The image job pushes one build to every stack's repository (same digest everywhere); the release
 * step sets `renfort:fleet.image.digest` to that digest.
 *
 *   npx tsx tools/release/image-ref.ts --stack prod    # prints rg.fr-par.scw.cloud/renfort-prod/renfort-app
 */
import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";

const NAME = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;

/** `rg.<region>.scw.cloud/<namespace>/<repository>` from the text of a Pulumi.<stack>.yaml. */
export function imageRepositoryFromStackFile(text: string, source: string): string {
  const doc = parse(text) as { config?: Record<string, unknown> } | null;
  const config = doc?.config ?? {};
  const scaleway = config["renfort:scaleway"] as { region?: unknown } | undefined;
  const fleet = config["renfort:fleet"] as { image?: { namespace?: unknown; repository?: unknown } } | undefined;
  const region = scaleway?.region;
  const namespace = fleet?.image?.namespace;
  const repository = fleet?.image?.repository;
  const check = (key: string, v: unknown): string => {
    if (typeof v !== "string" || !NAME.test(v)) throw new Error(`${source}: ${key} must be set to a registry name (lowercase letters, digits, . _ -), got ${JSON.stringify(v)}`);
    return v;
  };
  return `rg.${check("renfort:scaleway.region", region)}.scw.cloud/${check("renfort:fleet.image.namespace", namespace)}/${check("renfort:fleet.image.repository", repository)}`;
}

export function imageRepositoryForStack(repoRoot: string, stack: string): string {
  const file = join(repoRoot, `Pulumi.${stack}.yaml`);
  return imageRepositoryFromStackFile(readFileSync(file, "utf8"), file);
}

/** Splits `<repository>@sha256:<hex>`; undefined when the reference is not pinned by digest. */
export function splitImageRef(ref: string): { repository: string; digest: string } | undefined {
  const m = /^([a-z0-9.-]+(?::\d+)?\/[a-z0-9._/-]+)@(sha256:[a-f0-9]{64})$/.exec(ref);
  return m ? { repository: m[1]!, digest: m[2]! } : undefined;
}

if (require.main === module) {
  const i = process.argv.indexOf("--stack");
  const stack = i > 0 ? process.argv[i + 1] : undefined;
  if (!stack || !/^[A-Za-z0-9_.-]+$/.test(stack)) {
    console.error("usage: tsx tools/release/image-ref.ts --stack <staging|prod>");
    process.exitCode = 2;
  } else {
    try {
      console.log(imageRepositoryForStack(join(__dirname, "..", ".."), stack));
    } catch (e) {
      console.error((e as Error).message);
      process.exitCode = 2;
    }
  }
}
