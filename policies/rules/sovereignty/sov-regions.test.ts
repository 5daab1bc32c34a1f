import { sovRegions as policy } from "./sov-regions";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";

describe("sov-regions", () => {
  test("passes for fr-par resources and provider", () => expectPass(policy, [fx.scalewayProvider(), fx.db(), fx.lb(), fx.template(), fx.backend()]));
  test("ignores Cloudflare resources", () => expectPass(policy, [fx.mx()]));
  test("fails for a region outside the allowlist", () => expectViolation(policy, mutate(fx.db(), "region", "nl-ams"), 'region "nl-ams"'));
  test("fails for a zone outside the allowlist", () => expectViolation(policy, mutate(fx.lb(), "zone", "pl-waw-1"), 'zone "pl-waw-1"'));
  test("fails for a provider without region", () => expectViolation(policy, fx.scalewayProvider({ zone: "fr-par-1" }), "sets no region"));
  test("fails for a provider without zone", () => expectViolation(policy, fx.scalewayProvider({ region: "fr-par" }), "sets no zone"));
  test("fails for a resource inheriting a foreign provider region", () => {
    const prov = fx.scalewayProvider({ region: "nl-ams", zone: "nl-ams-1" });
    const db = { ...mutate(fx.db(), "region", undefined), provider: `${prov.urn}::provider-id` };
    return expectViolation(policy, [prov, db], 'resource db is in region "nl-ams"', {}, db.urn);
  });
  test("is undecided when the region is unknown", () => expectUndecided(policy, mutate(fx.db(), "region", UNKNOWN)));
});
