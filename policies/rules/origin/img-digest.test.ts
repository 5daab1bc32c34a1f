import { imgDigest as policy } from "./img-digest";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";

const tagged = "rg.fr-par.scw.cloud/renfort/app:1.4.2";

describe("img-digest", () => {
  test("passes for a digest in cloud-init and in a container", () => expectPass(policy, [fx.template(), fx.container(), fx.server()]));
  test("fails for a tag in cloud-init", () => expectViolation(policy, fx.template(fx.cloudInit(undefined, tagged)), "app:1.4.2 is not pinned by digest"));
  test("fails for latest", () => expectViolation(policy, fx.template(fx.cloudInit(undefined, "nginx:latest")), "(latest moves)"));
  test("fails for a container image by tag", () => expectViolation(policy, fx.container({ image: tagged }), "not pinned by digest"));
  test("fails for a template that names no image", () => expectViolation(policy, fx.template("#cloud-config\nruncmd:\n  - echo hi"), "names no container image"));
  test("fails for a template without cloud-init", () => expectViolation(policy, mutate(fx.template(), "cloudInit", undefined), "has no cloud-init"));
  test("is undecided when cloud-init is unknown", () => expectUndecided(policy, mutate(fx.template(), "cloudInit", UNKNOWN)));
});
