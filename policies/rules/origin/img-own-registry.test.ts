import { imgOwnRegistry as policy } from "./img-own-registry";
import { fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const digest = `@sha256:${"0".repeat(64)}`;

describe("img-own-registry", () => {
  test("passes for the project's registry", () => expectPass(policy, [fx.template(), fx.container()], { namespaces: ["renfort-prod"] }));
  test("fails for Docker Hub", () => expectViolation(policy, fx.template(fx.cloudInit(undefined, `nginx${digest}`)), "docker.io/nginx is not from the project's Scaleway registry"));
  test("fails for ghcr.io in a container", () => expectViolation(policy, fx.container({ image: `ghcr.io/acme/app${digest}` }), "ghcr.io/acme/app"));
  test("fails for another region", () => expectViolation(policy, fx.container({ image: `rg.nl-ams.scw.cloud/renfort/app${digest}` }), "registry region nl-ams"));
  test("fails for another namespace", () =>
    expectViolation(policy, fx.container({ image: `rg.fr-par.scw.cloud/someone/app${digest}` }), 'namespace "someone"', { namespaces: ["renfort-prod"] }));
});
