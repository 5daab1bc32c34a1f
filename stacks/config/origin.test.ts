import { committedRaw, configProblems } from "../../tools/plan/testing";
import { missingSecretProblem, parseConfig, secretsRequiredBy } from "./index";

const withOrigin = (origin: Record<string, unknown>, fleet: Record<string, unknown> = {}) => {
  const raw = committedRaw("prod");
  raw.origin = { ...(raw.origin as Record<string, unknown>), ...origin };
  raw.fleet = { ...(raw.fleet as Record<string, unknown>), ...fleet };
  return raw;
};

describe("renfort:origin.zones and renfort:fleet.bootSnapshotIds", () => {
  it("default to one load balancer in each of fr-par-1 and fr-par-2, without IPv6", () => {
    const raw = committedRaw("prod");
    delete (raw.origin as Record<string, unknown>).zones;
    const cfg = parseConfig(raw);
    expect(cfg.origin).toMatchObject({ zones: ["fr-par-1", "fr-par-2"], ipv6: false });
    expect(cfg.fleet.healthGateTimeoutSeconds).toBe(900);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    ["a zone outside the region", { zones: ["fr-par-1", "nl-ams-1"] }, {}, "renfort:origin.zones[1] must be a zone of renfort:scaleway.region (fr-par), got \"nl-ams-1\""],
    ["a zone without a boot snapshot", { zones: ["fr-par-1", "fr-par-3"] }, {}, "renfort:fleet.bootSnapshotIds.fr-par-3 must be set: each load balancer zone needs its Block Storage snapshot (scw block snapshot list zone=fr-par-3)"],
    ["three zones", { zones: ["fr-par-1", "fr-par-2", "fr-par-3"] }, {}, "renfort:origin.zones must list one or two zones"],
    ["a malformed zone", { zones: ["paris"] }, {}, "renfort:origin.zones[0] must be a Scaleway zone such as fr-par-1"],
    ["the old single snapshot key", {}, { bootSnapshotId: "b8e2d4c6-1a3f-4e5d-8b7c-9d0e1f2a3b4c" }, "renfort:fleet.bootSnapshotId is not a known key"],
    ["a gate timeout under a minute", {}, { healthGateTimeoutSeconds: 10 }, "renfort:fleet.healthGateTimeoutSeconds must be an integer >= 60"],
  ])("refuses %s, naming the key", (_label, origin, fleet, message) => {
    expect(configProblems(withOrigin(origin, fleet)).join("\n")).toContain(message);
  });
});

describe("renfort:origin.apexCertificate and the DNS-01 token", () => {
  it("the committed stacks: production directory in prod, staging's own in staging, renewal at 30 days, warning at 21", () => {
    expect(parseConfig(committedRaw("prod")).origin.apexCertificate).toEqual({ acmeDirectory: "letsencrypt", minDaysRemaining: 30, expiryWarningDays: 21 });
    expect(parseConfig(committedRaw("staging")).origin.apexCertificate).toEqual({ acmeDirectory: "letsencrypt-staging", minDaysRemaining: 30, expiryWarningDays: 21 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["the staging directory in prod", { acmeDirectory: "letsencrypt-staging" }, 'renfort:origin.apexCertificate.acmeDirectory must be letsencrypt in prod (a staging certificate is not trusted by browsers), got "letsencrypt-staging"'],
    ["a warning at or above the renewal threshold", { minDaysRemaining: 20, expiryWarningDays: 20 }, "renfort:origin.apexCertificate.expiryWarningDays must be lower than minDaysRemaining"],
    ["another directory", { acmeDirectory: "zerossl" }, "renfort:origin.apexCertificate.acmeDirectory"],
  ])("refuses %s, naming the key", (_label, apexCertificate, message) => {
    expect(configProblems(withOrigin({ apexCertificate })).join("\n")).toContain(message);
  });

  it("requires renfort:acmeDnsApiToken once the apex certificate is declared, and only then", () => {
    const prod = parseConfig(committedRaw("prod"));
    const staging = parseConfig(committedRaw("staging"));
    expect(secretsRequiredBy(prod)).toEqual(["acmeDnsApiToken"]);
    expect(secretsRequiredBy(staging)).toEqual([]);
    expect(secretsRequiredBy({ ...staging, domain: { ...staging.domain, apexChallengeDelegated: true } })).toEqual(["acmeDnsApiToken"]);
    expect(missingSecretProblem("acmeDnsApiToken")).toMatch(/^renfort:acmeDnsApiToken is required: set it with pulumi config set --secret acmeDnsApiToken <value> \(Cloudflare API token .*Zone > Zone > Read and Zone > DNS > Edit/);
  });
});
