import { readFileSync } from "fs";
import { join } from "path";
import { imageRepositoryFromStackFile, splitImageRef } from "./image-ref";

describe("image repository of a stack", () => {
  it.each(["staging", "prod"])("reads Pulumi.%s.yaml", (stack) => {
    const file = join(__dirname, "..", "..", `Pulumi.${stack}.yaml`);
    expect(imageRepositoryFromStackFile(readFileSync(file, "utf8"), file)).toMatch(/^rg\.[a-z-]+\.scw\.cloud\/[a-z0-9._-]+\/[a-z0-9._-]+$/);
  });

  it("names the missing key", () => {
    expect(() => imageRepositoryFromStackFile("config:\n  renfort:scaleway:\n    region: fr-par\n", "Pulumi.x.yaml")).toThrow(
      /Pulumi.x.yaml: renfort:fleet.image.namespace must be set/,
    );
  });

  it("splits a digest reference and rejects a tag", () => {
    const d = `sha256:${"0".repeat(64)}`;
    expect(splitImageRef(`rg.fr-par.scw.cloud/ns/app@${d}`)).toEqual({ repository: "rg.fr-par.scw.cloud/ns/app", digest: d });
    expect(splitImageRef("rg.fr-par.scw.cloud/ns/app:latest")).toBeUndefined();
  });
});
