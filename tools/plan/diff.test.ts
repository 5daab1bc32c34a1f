import { readFileSync } from "fs";
import { join } from "path";
import { diffPlans, diffValues, isEmptyDiff, ValueChange } from "./diff";
import { assertPlanJson, JsonValue, PlanJson, PlanJsonResource, secretFingerprints } from "./plan-json";

const fixture = (name: string): PlanJson =>
  assertPlanJson(JSON.parse(readFileSync(join(__dirname, "fixtures", "diff", name), "utf8")), name);

const STACK_URN = "urn:pulumi:prod::renfort::pulumi:pulumi:Stack::renfort-prod";

function resource(type: string, name: string, inputs: Record<string, JsonValue>, extra: Partial<PlanJsonResource> = {}): PlanJsonResource {
  return {
    urn: `urn:pulumi:prod::renfort::${extra.parent ? "renfort:test:Parent$" : ""}${type}::${name}`,
    type,
    name,
    parent: STACK_URN,
    inputs,
    protect: false,
    dependsOn: [],
    ...extra,
  };
}

function plan(resources: PlanJsonResource[], extra: Partial<PlanJson> = {}): PlanJson {
  return { stack: "prod", project: "renfort", resources, outputs: {}, violations: [], ...extra };
}

const paths = (cs: ValueChange[]) => cs.map((c) => `${c.kind} ${c.path}`);

describe("diffPlans on a recorded prod plan pair", () => {
  const d = diffPlans(fixture("prod-base.json"), fixture("prod-head.json"));

  it("lists the added and removed resources by urn", () => {
    expect(d.added.map((r) => r.name)).toEqual(["email-dkim-s2"]);
    expect(d.removed.map((r) => r.name)).toEqual(["email-dkim-old"]);
    expect(d.removed[0]!.movedTo).toBeUndefined();
  });

  it("lists exactly the resources whose visible inputs changed", () => {
    expect(d.changed.map((r) => r.name).sort()).toEqual(["database-instance", "edge-waf", "fleet-group"]);
    // the instance template differs only by its secret cloud-init: nothing visible, not listed
    expect(d.changed.find((r) => r.name === "fleet-template")).toBeUndefined();
    expect(d.unchangedCount).toBe(6);
  });

  it("reports a fleet size change as exactly its two inputs, old -> new", () => {
    const fleet = d.changed.find((r) => r.name === "fleet-group")!;
    expect(fleet.changes).toEqual([
      { path: "capacity.maxReplicas", kind: "changed", before: 10, after: 12 },
      { path: "capacity.minReplicas", kind: "changed", before: 5, after: 8 },
    ]);
    expect(fleet.stateful).toBe(false);
  });

  it("matches WAF rules by their ref, so an inserted rule does not shift the others", () => {
    const waf = d.changed.find((r) => r.name === "edge-waf")!;
    expect(paths(waf.changes)).toEqual(["changed rules[ref=block-admin].expression", "added rules[ref=geo-ban-kp]"]);
    expect(waf.replaceReasons).toEqual([]);
  });

  it("flags the database HA switch as a stateful replacement and keeps the secret note beside it", () => {
    const db = d.changed.find((r) => r.name === "database-instance")!;
    expect(db.replaceReasons).toEqual(["isHaCluster"]);
    expect(paths(db.changes)).toEqual(["changed isHaCluster", "secret password", "changed settings.max_connections"]);
    expect(d.statefulRisks).toHaveLength(1);
    expect(d.statefulRisks[0]).toMatchObject({ name: "database-instance", action: "replace", reasons: ["`isHaCluster` changes"] });
  });

  it("reports policy verdicts introduced and resolved", () => {
    expect(d.violations.introduced.map((v) => v.policy)).toEqual(["no-public-db"]);
    expect(d.violations.resolved.map((v) => v.policy)).toEqual(["capacity-vs-target"]);
    expect(d.violations.changed).toEqual([]);
  });

  it("reports the capacity verdict change", () => {
    expect(d.capacity).toEqual([
      { path: "fleetCapacity", kind: "changed", before: 600, after: 960 },
      { path: "headroom", kind: "changed", before: 1, after: 1.6 },
    ]);
    expect(d.email).toEqual([]);
    expect(d.outputs).toEqual([]);
  });
});

describe("diffPlans cases", () => {
  const db = (inputs: Record<string, JsonValue>, extra: Partial<PlanJsonResource> = {}) =>
    resource("scaleway:databases/instance:Instance", "db", { engine: "PostgreSQL-16", isHaCluster: true, ...inputs }, extra);

  it("finds nothing between identical plans", () => {
    const p = fixture("prod-base.json");
    const d = diffPlans(p, structuredClone(p));
    expect(isEmptyDiff(d)).toBe(true);
    expect(d.unchangedCount).toBe(p.resources.length);
  });

  it.each<[string, JsonValue, JsonValue, string[]]>([
    ["both secret: not comparable, resource not listed", "[secret]", "[secret]", []],
    ["plain to secret: visible", "hunter-old", "[secret]", ["changed password"]],
    ["secret removed: visible", "[secret]", null, ["changed password"]],
  ])("secret inputs: %s", (_label, before, after, expected) => {
    const d = diffPlans(plan([db({ password: before })]), plan([db({ password: after })]));
    expect(d.changed.flatMap((c) => paths(c.changes))).toEqual(expected);
  });

  it("never lists a both-secret path on its own but does next to a visible change", () => {
    const d = diffPlans(plan([db({ password: "[secret]", nodeType: "DB-PRO2-XXS" })]), plan([db({ password: "[secret]", nodeType: "DB-PRO2-XS" })]));
    expect(paths(d.changed[0]!.changes)).toEqual(["changed nodeType", "secret password"]);
    expect(d.statefulRisks).toEqual([]); // nodeType is an in-place resize
  });

  it("flags a removed stateful resource as a delete", () => {
    const ip = resource("scaleway:loadbalancers/ip:Ip", "origin-ip-b", { zone: "fr-par-1" }, { protect: true });
    const d = diffPlans(plan([ip]), plan([]));
    expect(d.removed).toMatchObject([{ name: "origin-ip-b", stateful: true, protect: true }]);
    expect(d.statefulRisks).toMatchObject([{ action: "delete", type: "scaleway:loadbalancers/ip:Ip" }]);
  });

  it("flags a zone change of a dedicated IP as a replacement", () => {
    const ip = (zone: string) => resource("scaleway:loadbalancers/ip:Ip", "origin-ip-a", { zone });
    const d = diffPlans(plan([ip("fr-par-1")]), plan([ip("fr-par-2")]));
    expect(d.statefulRisks).toMatchObject([{ action: "replace", reasons: ["`zone` changes"] }]);
  });

  it("shows a dynamic provider's code change as a digest, not kilobytes of JavaScript", () => {
    const gate = (code: string) => plan([resource("pulumi-nodejs:dynamic/renfort:FleetHealthGate", "gate", { __provider: code, release: "r1" })]);
    const [c] = diffPlans(gate("exports.handler = () => ({ create: a });"), gate("exports.handler = () => ({ create: b });")).changed;
    expect(c.changes).toEqual([{ path: "__provider", kind: "changed", before: expect.stringMatching(/^serialized provider code, sha256:[0-9a-f]{12}$/), after: expect.stringMatching(/^serialized provider code, sha256:[0-9a-f]{12}$/) }]);
    expect(diffPlans(gate("x"), gate("x")).changed).toEqual([]);
  });

  it("warns that changing a load balancer's ipIds replaces it, and what that costs", () => {
    const LB = "scaleway:loadbalancers/loadBalancer:LoadBalancer";
    const before = plan([resource(LB, "renfort-origin-lb-primary", { zone: "fr-par-1", ipIds: ["fr-par-1/ip-a"] })]);
    const after = plan([resource(LB, "renfort-origin-lb-primary", { zone: "fr-par-1", ipIds: ["fr-par-1/ip-a", "fr-par-1/ip-v6"] })]);
    const [risk] = diffPlans(before, after).statefulRisks;
    expect(risk).toMatchObject({ name: "renfort-origin-lb-primary", action: "replace", reasons: ["`ipIds` changes"] });
    expect(risk.loss).toContain("the other load balancer keeps serving");
  });

  it("treats a re-parented stateful resource as a replacement and names the new urn", () => {
    const before = resource("cloudflare:index/zone:Zone", "zone", { name: "example.org" });
    const after = resource("cloudflare:index/zone:Zone", "zone", { name: "example.org" }, { parent: "urn:pulumi:prod::renfort::renfort:test:Parent::p" });
    const d = diffPlans(plan([before]), plan([after]));
    expect(d.removed[0]!.movedTo).toBe(after.urn);
    expect(d.statefulRisks).toMatchObject([{ action: "replace", urn: before.urn }]);
  });

  it("flags an engine upgrade as an update with a data-loss window", () => {
    const d = diffPlans(plan([db({})]), plan([db({ engine: "PostgreSQL-17" })]));
    expect(d.statefulRisks).toMatchObject([{ action: "risky-update" }]);
    expect(d.statefulRisks[0]!.reasons[0]).toMatch(/blue\/green/);
  });

  it("does not flag non-stateful resources whatever changes", () => {
    const rec = (content: string) => resource("cloudflare:index/dnsRecord:DnsRecord", "spf", { zoneId: "z", content });
    const d = diffPlans(plan([rec("v=spf1 -all")]), plan([rec("v=spf1 include:_spf.tem.scaleway.com -all")]));
    expect(d.changed).toHaveLength(1);
    expect(d.statefulRisks).toEqual([]);
  });

  it("reports a protect flip", () => {
    const d = diffPlans(plan([db({}, { protect: true })]), plan([db({}, { protect: false })]));
    expect(d.changed[0]!.protect).toEqual({ before: true, after: false });
  });

  it("reports a verdict whose level changed", () => {
    const v = { policy: "sov-regions", urn: "u", message: "region nl-ams not allowed", undecided: false };
    const d = diffPlans(plan([], { violations: [{ ...v, level: "advisory" }] }), plan([], { violations: [{ ...v, level: "mandatory" }] }));
    expect(d.violations.changed).toHaveLength(1);
    expect(d.violations.introduced).toEqual([]);
  });

  it("does not repeat the capacity and email verdicts among the outputs", () => {
    const b = plan([], { outputs: { capacity: { ok: true }, email: { validation: { ok: true }, dkim: "a" } }, capacity: { ok: true }, email: { ok: true } });
    const h = plan([], { outputs: { capacity: { ok: false }, email: { validation: { ok: false }, dkim: "b" } }, capacity: { ok: false }, email: { ok: false } });
    const d = diffPlans(b, h);
    expect(paths(d.outputs)).toEqual(["changed email.dkim"]);
    expect(paths(d.capacity)).toEqual(["changed ok"]);
    expect(paths(d.email)).toEqual(["changed ok"]);
  });

  it("reports outputs but never a both-secret output", () => {
    const d = diffPlans(plan([], { outputs: { host: "a", pw: "[secret]" } }), plan([], { outputs: { host: "b", pw: "[secret]" } }));
    expect(paths(d.outputs)).toEqual(["changed host"]);
  });
});

describe("diffValues", () => {
  const run = (a: JsonValue, b: JsonValue) => {
    const out: ValueChange[] = [];
    diffValues("x", a, b, out);
    return out;
  };

  it("reports a reordered keyed list (rule order is evaluation order)", () => {
    const a = [{ ref: "a", v: 1 }, { ref: "b", v: 2 }];
    expect(run(a, [a[1]!, a[0]!])).toEqual([{ path: "x", kind: "reordered", before: ["a", "b"], after: ["b", "a"] }]);
  });

  it("reports a scalar list whose length changed as a whole", () => {
    expect(run(["a", "b"], ["a", "b", "c"])).toEqual([{ path: "x", kind: "changed", before: ["a", "b"], after: ["a", "b", "c"] }]);
  });

  it("recurses by index into same-length lists and quotes odd keys", () => {
    expect(run([{ "a.b": 1 }], [{ "a.b": 2 }])).toEqual([{ path: 'x[0]["a.b"]', kind: "changed", before: 1, after: 2 }]);
  });

  it("treats unknowns on both sides as equal", () => {
    const u = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(run({ id: u }, { id: u })).toEqual([]);
  });
});

describe("assertPlanJson", () => {
  it("names the missing field", () => {
    expect(() => assertPlanJson({ stack: "prod", project: "renfort" }, "base.json")).toThrow(/base.json .*`resources` must be an array/);
  });
});

describe("secret fingerprints", () => {
  const wire = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
  const raw = (degraded: boolean) => ({
    commercialType: "PRO2-S",
    cloudInit: wire(`#cloud-config\n# BEGIN renfort plain env\nDEGRADED_MODE=${degraded}\n# END renfort plain env\nDB_PASSWORD=s3cr3t\n`),
    settings: { password: wire("pw"), list: [wire({ b: 1, a: 2 })] },
  });
  const tpl = (degraded: boolean, key?: string): PlanJsonResource => {
    const r = resource("scaleway:instance/server:Server", "tpl", { commercialType: "PRO2-S", cloudInit: "[secret]", settings: { password: "[secret]", list: ["[secret]"] } });
    return key ? { ...r, secretFingerprints: secretFingerprints(raw(degraded), key) } : r;
  };

  it("fingerprints every secret by path, with the key, never the value", () => {
    const f = secretFingerprints(raw(false), "k1");
    expect(Object.keys(f).sort()).toEqual(["cloudInit", "settings.list[0]", "settings.password"]);
    expect(JSON.stringify(f)).not.toContain("s3cr3t");
    expect(f.cloudInit).toMatch(/^[0-9a-f]{16}$/);
    expect(secretFingerprints(raw(false), "k2").cloudInit).not.toBe(f.cloudInit);
    // key order inside a secret object does not matter
    expect(secretFingerprints({ s: wire({ a: 2, b: 1 }) }, "k1").s).toBe(secretFingerprints({ s: wire({ b: 1, a: 2 }) }, "k1").s);
  });

  it("shows a secret that changed, and only that one, when both plans carry fingerprints", () => {
    const d = diffPlans(plan([tpl(false, "k")]), plan([tpl(true, "k")]));
    expect(d.changed.map((c) => paths(c.changes))).toEqual([["secret-changed cloudInit"]]);
  });

  it("stays quiet when the fingerprinted secrets are equal", () => {
    expect(diffPlans(plan([tpl(false, "k")]), plan([tpl(false, "k")])).changed).toEqual([]);
  });

  it("falls back to 'not comparable' when one side has no fingerprints", () => {
    expect(diffPlans(plan([tpl(false)]), plan([tpl(true, "k")])).changed).toEqual([]);
  });
});
