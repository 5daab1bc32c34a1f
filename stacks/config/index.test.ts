import { committedRaw, configProblems } from "../../tools/plan/testing";
import { ConfigError, parseConfig, parseConfigReport } from "./index";

/** Sets `path` (dot separated) in a copy of the committed prod config; `undefined` deletes it. */
function prodWith(path: string, value: unknown, stack: "staging" | "prod" = "prod"): Record<string, unknown> {
  const raw = committedRaw(stack);
  const keys = path.split(".");
  let node = raw as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return raw;
}

describe("parseConfig", () => {
  it.each(["staging", "prod"] as const)("accepts the committed %s stack and fills the derived defaults", (stack) => {
    const cfg = parseConfig(committedRaw(stack));
    expect(cfg.tier).toBe(stack);
    expect(cfg.email.domain).toBe(`mail.${cfg.domain.zone}`);
  });

  it("gives staging and prod the same shape", () => {
    const shape = (v: unknown): unknown =>
      typeof v === "object" && v !== null && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]).sort())
        : Array.isArray(v) ? "array" : typeof v;
    // Where a figure came from is only recorded once a stack has been measured (npm run capacity); until
    // then prod carries a dated waiver (stacks/capacity-provenance.test.ts).
    const withoutProvenance = (stack: "staging" | "prod") => {
      const cfg = parseConfig(committedRaw(stack));
      const { measuredAt: _at, measurementSource: _source, unmeasuredWaiver: _waiver, ...capacity } = cfg.capacity;
      return { ...cfg, capacity };
    };
    expect(shape(withoutProvenance("staging"))).toEqual(shape(withoutProvenance("prod")));
  });

  it.each([
    ["a prod fleet below two instances", "fleet.minInstances", 0, "renfort:fleet.minInstances must be an integer >= 2 in prod, got 0"],
    ["a wrong type", "fleet.maxInstances", "twelve", 'renfort:fleet.maxInstances must be a number, got "twelve"'],
    ["a missing required key", "capacity.targetSignupsPerSecond", undefined, "renfort:capacity.targetSignupsPerSecond is required: set it with pulumi config set --path 'capacity.targetSignupsPerSecond' <value>"],
    ["a missing area", "database", undefined, "renfort:database is required"],
    ["an unknown nested key", "fleet.minInstace", 2, 'renfort:fleet.minInstace is not a known key: remove it or fix its spelling'],
    ["an unknown top-level key", "fleetSize", 3, "renfort:fleetSize is not a known key"],
    ["a bad enum", "origin.tlsCompatibility", "old", 'renfort:origin.tlsCompatibility must be one of "intermediate", "modern", got "old"'],
    ["an image by tag", "fleet.image.digest", "latest", "renfort:fleet.image.digest must be an image digest sha256:<64 hex digits> (tags are mutable), got \"latest\""],
    ["a database open to the world", "database.adminAccess.allowedCidrs", ["0.0.0.0/0"], "renfort:database.adminAccess.allowedCidrs[0] must not open the admin endpoint to the whole internet"],
    ["HA off in prod", "database.highAvailability", false, "renfort:database.highAvailability must be true in prod, got false"],
    ["DMARC p=none in prod", "email.dmarc.policy", "none", 'renfort:email.dmarc.policy must be quarantine or reject in prod, got "none"'],
    ["TLS 1.0 in prod", "edge.minTlsVersion", "1.0", 'renfort:edge.minTlsVersion must be "1.2" or "1.3" in prod, got "1.0"'],
    ["short HSTS in prod", "edge.hsts.maxAgeSeconds", 3600, "renfort:edge.hsts.maxAgeSeconds must be >= 31536000 (one year) in prod, got 3600"],
    ["a sender off the sending domain", "email.sender", "contact@example.org", "renfort:email.sender must be an address on the sending domain"],
    ["a zone outside the sovereignty list", "scaleway.zone", "fr-par-3", "renfort:scaleway.zone must be one of renfort:sovereignty.allowedZones"],
    ["an apex inside the Cloudflare zone", "domain.apex", "renfort-benevoles.fr", "renfort:domain.apex must not be inside the Cloudflare zone"],
    ["an unknown tier", "tier", "production", 'renfort:tier must be one of "staging", "prod", got "production"'],
  ])("rejects %s with a message naming the key", (_label, path, value, expected) => {
    const problems = configProblems(prodWith(path, value));
    expect(problems.some((p) => p.startsWith(expected))).toBe(true);
  });

  it("allows in staging what only prod forbids", () => {
    expect(configProblems(prodWith("fleet.minInstances", 1, "staging"))).toEqual([]);
    expect(configProblems(prodWith("email.dmarc.policy", "none", "staging"))).toEqual([]);
  });

  it("lists every problem at once", () => {
    const raw = prodWith("fleet.minInstances", 0);
    (raw.database as Record<string, unknown>).highAvailability = false;
    expect(configProblems(raw)).toHaveLength(2);
  });
});

describe("parseConfigReport", () => {
  it("returns posture problems instead of throwing, so the plan can still judge the resources", () => {
    const { config, posture } = parseConfigReport(prodWith("database.highAvailability", false));
    expect(config.database.highAvailability).toBe(false);
    expect(posture).toEqual(["renfort:database.highAvailability must be true in prod, got false"]);
  });

  it("still throws on malformed config", () => {
    expect(() => parseConfigReport(prodWith("fleet.maxInstances", "twelve"))).toThrow(ConfigError);
  });
});
