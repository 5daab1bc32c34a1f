import { writeFileSync } from "fs";
import { join } from "path";
import { approvalsFromList, approvedUrnsFromText } from "./approvals";
import { checkPreview, main, parsePreview } from "./stateful-guard";
import { typeFromUrn } from "./stateful-types";
import { planStack } from "../plan/plan";
import type { PlanJson } from "../plan/plan-json";
import { previewFromPlan, type PreviewDocument } from "./testing/preview-from-plan";
import { scratchDir } from "../../testing/scratch";

// The previews are built from the offline plan of the committed prod stack: the URNs are the ones the program
// declares, so renaming one of these resources breaks these tests (tools/release/testing/preview-from-plan.ts).
const T = {
  instance: "scaleway:databases/instance:Instance",
  ip: "scaleway:loadbalancers/ip:Ip",
  ruleset: "cloudflare:index/ruleset:Ruleset",
  dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  group: "scaleway:autoscaling/instanceGroup:InstanceGroup",
  pgDatabase: "postgresql:index/database:Database",
  pgSchema: "postgresql:index/schema:Schema",
  pgRole: "postgresql:index/role:Role",
  pgGrant: "postgresql:index/grant:Grant",
};
const DB = "urn:pulumi:prod::renfort::renfort:database:Database$scaleway:databases/instance:Instance::renfort-database-instance";
const IP = "urn:pulumi:prod::renfort::renfort:origin:Origin$scaleway:loadbalancers/ip:Ip::renfort-origin-ip-secondary";
const WAF = "urn:pulumi:prod::renfort::renfort:edge:Edge$cloudflare:index/ruleset:Ruleset::renfort-edge-waf-custom";
const PG_DB = "urn:pulumi:prod::renfort::renfort:database:Database$postgresql:index/database:Database::renfort-database-database";
const PG_SCHEMA = "urn:pulumi:prod::renfort::renfort:database:Database$postgresql:index/schema:Schema::renfort-database-schema";
const PG_ROLE = "urn:pulumi:prod::renfort::renfort:database:Database$postgresql:index/role:Role::renfort-database-role-app";

const dir = scratchDir("renfort-guard-");

let plan: PlanJson;
const previews: Record<string, PreviewDocument> = {};
const fixture = (name: string) => parsePreview(JSON.parse(JSON.stringify(previews[name])), name);
/** The preview written where the CLI reads it, as `pulumi preview --json > preview.json` would. */
const fixturePath = (name: string) => {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(previews[name], null, 2));
  return file;
};

beforeAll(async () => {
  ({ plan } = await planStack({ stack: "prod" }));
  // The fleet's groups are named by release (a hash of what they run), so the test reads the name it updates.
  const groups = plan.resources.filter((r) => r.type === T.group && /^renfort-fleet-group-primary-[0-9a-f]{10}$/.test(r.name));
  expect(groups).toHaveLength(1);
  const group = groups[0].name;
  previews["replace-database"] = previewFromPlan(plan, [
    { op: "update", type: T.group, name: group, diffReasons: ["capacities"] },
    { op: "replace", type: T.instance, name: "renfort-database-instance", replaceReasons: ["isHaCluster"] },
  ]);
  previews["delete-ip-and-ruleset"] = previewFromPlan(plan, [
    { op: "delete", type: T.dnsRecord, name: "renfort-email-dmarc" },
    { op: "delete", type: T.ip, name: "renfort-origin-ip-secondary" },
    { op: "delete", type: T.ruleset, name: "renfort-edge-waf-custom" },
  ]);
  previews["drop-database-objects"] = previewFromPlan(plan, [
    { op: "replace", type: T.pgDatabase, name: "renfort-database-database", replaceReasons: ["lcCollate"] },
    { op: "delete", type: T.pgSchema, name: "renfort-database-schema" },
    { op: "delete", type: T.pgRole, name: "renfort-database-role-app" },
    { op: "delete", type: T.pgGrant, name: "renfort-database-grant-app-tables" },
  ]);
  previews["safe-updates"] = previewFromPlan(plan, [
    { op: "update", type: T.group, name: group, diffReasons: ["capacities"] },
    { op: "update", type: T.instance, name: "renfort-database-instance", diffReasons: ["volumeSizeInGb"] },
  ]);
  previews["no-change"] = previewFromPlan(plan);
});

describe("checkPreview on previews of the program as it is declared", () => {
  it("builds them from resources the program declares, and refuses a name it does not", () => {
    expect(previews["no-change"]!.steps.length).toBe(plan.resources.length);
    expect(previews["no-change"]!.steps.map((s) => s.urn)).toEqual(expect.arrayContaining([DB, IP, WAF, PG_DB, PG_SCHEMA, PG_ROLE]));
    expect(() => previewFromPlan(plan, [{ op: "delete", type: T.instance, name: "database-instance" }])).toThrow(
      "the program declares no scaleway:databases/instance:Instance named database-instance; it declares renfort-database-instance",
    );
  });

  it("blocks the database replacement and groups its three steps", () => {
    const r = checkPreview(fixture("replace-database"), []);
    expect(r.ok).toBe(false);
    expect(r.atRisk).toEqual([
      expect.objectContaining({
        urn: DB,
        action: "replace",
        ops: ["create-replacement", "replace", "delete-replaced"],
        replaceReasons: ["isHaCluster"],
        approved: false,
      }),
    ]);
  });

  it("passes the database replacement once its URN is approved", () => {
    const r = checkPreview(fixture("replace-database"), [DB]);
    expect(r.ok).toBe(true);
    expect(r.unusedApprovals).toEqual([]);
  });

  it("blocks deleting a dedicated IP and the WAF ruleset but not a DNS record", () => {
    const r = checkPreview(fixture("delete-ip-and-ruleset"), []);
    expect(r.atRisk.map((x) => [x.urn, x.action])).toEqual([
      [WAF, "delete"],
      [IP, "delete"],
    ]);
  });

  it("blocks dropping or rebuilding the application database, its schema and a role, but not a grant", () => {
    const r = checkPreview(fixture("drop-database-objects"), []);
    expect(r.ok).toBe(false);
    expect(r.atRisk.map((x) => [x.urn, x.action, x.replaceReasons])).toEqual([
      [PG_DB, "replace", ["lcCollate"]],
      [PG_ROLE, "delete", []],
      [PG_SCHEMA, "delete", []],
    ]);
  });

  it("stays blocked when only one of two resources is approved", () => {
    const r = checkPreview(fixture("delete-ip-and-ruleset"), [IP]);
    expect(r.ok).toBe(false);
    expect(r.atRisk.filter((x) => !x.approved).map((x) => x.urn)).toEqual([WAF]);
  });

  it.each(["safe-updates", "no-change"])("lets %s through", (name) => {
    const r = checkPreview(fixture(name), []);
    expect(r).toEqual({ ok: true, atRisk: [], unusedApprovals: [] });
  });

  it("reports an approval that matches nothing", () => {
    expect(checkPreview(fixture("safe-updates"), [DB]).unusedApprovals).toEqual([DB]);
  });

  it("falls back to the URN for the type when states are absent", () => {
    const r = checkPreview({ steps: [{ op: "delete", urn: IP }] }, []);
    expect(r.atRisk[0]!.type).toBe("scaleway:loadbalancers/ip:Ip");
  });

  it("rejects a document that is not a preview", () => {
    expect(() => parsePreview({ error: "boom" }, "p.json")).toThrow(/no top-level "steps" array/);
  });
});

describe("approvals", () => {
  const body = `Switch the prod database to a single node.\n\nStateful-Change-Approved: ${DB}\nstateful-change-approved: \`${IP}\`\nStateful-Change-Approved: not-a-urn\n`;

  it("reads one URN per Stateful-Change-Approved line", () => {
    expect(approvedUrnsFromText(body)).toEqual([DB, IP]);
  });

  it("splits lists on commas and newlines", () => {
    expect(approvalsFromList(` ${DB},\n${IP} ,`)).toEqual([DB, IP]);
  });
});

describe("guard CLI", () => {
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const out: string[] = [];
    const code = main(argv, env, (s) => out.push(s));
    return { code, out: out.join("\n") };
  };

  it("exits 1 listing each blocked resource and the lines to add", () => {
    const { code, out } = run(["--preview", fixturePath("delete-ip-and-ruleset")]);
    expect(code).toBe(1);
    expect(out).toContain(`BLOCKED  delete scaleway:loadbalancers/ip:Ip ${IP}`);
    expect(out).toContain(`  Stateful-Change-Approved: ${WAF}`);
  });

  it("takes approvals from --approvals and RENFORT_STATEFUL_APPROVALS", () => {
    expect(run(["--preview", fixturePath("delete-ip-and-ruleset"), "--approvals", IP], { RENFORT_STATEFUL_APPROVALS: WAF }).code).toBe(0);
  });

  it("takes approvals from a code owner's review of the merged pull request, not from its description", () => {
    const record = join(dir, "merged-pr.json");
    const owners = join(dir, "CODEOWNERS");
    writeFileSync(owners, "* @lead\n/Pulumi.*.yaml @ops-anna\n");
    const pr = { number: 9, user: { login: "dev" }, merged_at: "2026-12-01T10:00:00Z", head: { sha: "a".repeat(40) }, body: `Stateful-Change-Approved: ${DB}` };
    const review = { user: { login: "ops-anna" }, state: "APPROVED", body: `Stateful-Change-Approved: ${DB}`, submitted_at: "2026-12-01T09:00:00Z", commit_id: "a".repeat(40) };
    writeFileSync(record, JSON.stringify({ pull_request: pr, reviews: [], comments: [] }));
    expect(run(["--preview", fixturePath("replace-database"), "--merged-pr", record, "--codeowners", owners]).code).toBe(1);
    writeFileSync(record, JSON.stringify({ pull_request: pr, reviews: [review], comments: [] }));
    expect(run(["--preview", fixturePath("replace-database"), "--merged-pr", record, "--codeowners", owners]).code).toBe(0);
  });

  it("exits 2 on unreadable input or a bad option, told on stderr", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "error: no stack named 'prod' found");
    expect(run(["--preview", bad]).code).toBe(2);
    expect(run([]).code).toBe(2);
    const out: string[] = [];
    const err: string[] = [];
    expect(main(["--preview", bad, "--aprovals", "x"], {}, (s) => out.push(s), (s) => err.push(s))).toBe(2);
    expect(out).toEqual([]);
    expect(err.join("\n")).toMatch(/^guard:stateful: Unknown option '--aprovals'/);
  });

  it("resolves relative paths from where npm was run (INIT_CWD)", () => {
    const previous = process.env.INIT_CWD;
    process.env.INIT_CWD = join(fixturePath("delete-ip-and-ruleset"), "..");
    try {
      expect(run(["--preview", "delete-ip-and-ruleset.json"]).code).toBe(1);
    } finally {
      if (previous === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = previous;
    }
  });
});

describe("stateful types", () => {
  it.each([
    ["scaleway:databases/instance:Instance", true],
    ["scaleway:databases/readReplica:ReadReplica", true],
    ["scaleway:loadbalancers/ip:Ip", true],
    ["scaleway:loadbalancers/loadBalancer:LoadBalancer", true],
    ["cloudflare:index/zone:Zone", true],
    ["cloudflare:index/zoneSetting:ZoneSetting", true],
    ["cloudflare:index/ruleset:Ruleset", true],
    ["scaleway:registry/namespace:Namespace", true],
    ["scaleway:domain/zone:Zone", true],
    ["postgresql:index/database:Database", true],
    ["postgresql:index/schema:Schema", true],
    ["postgresql:index/role:Role", true],
    ["postgresql:index/grant:Grant", false],
    ["cloudflare:index/dnsRecord:DnsRecord", false],
    ["scaleway:autoscaling/instanceTemplate:InstanceTemplate", false],
  ])("deleting a %s is blocked: %p", (type, blocked) => {
    const urn = `urn:pulumi:prod::renfort::renfort:x:X$${type}::r`;
    expect(checkPreview({ steps: [{ op: "delete", urn }] }, []).ok).toBe(!blocked);
  });

  it("reads types from URNs", () => {
    expect(typeFromUrn("urn:pulumi:prod::renfort::a:b:C$d:e:F::name::with::colons")).toBe("d:e:F");
    expect(typeFromUrn("not-a-urn")).toBeUndefined();
  });
});
