import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { approvalsFromList, approvedUrnsFromText } from "./approvals";
import { checkPreview, main, parsePreview } from "./stateful-guard";
import { STATEFUL_TYPES, typeFromUrn } from "./stateful-types";

const fixturePath = (name: string) => join(__dirname, "fixtures", "preview", name);
const fixture = (name: string) => parsePreview(JSON.parse(readFileSync(fixturePath(name), "utf8")), name);

const DB = "urn:pulumi:prod::renfort::renfort:database:Database$scaleway:databases/instance:Instance::database-instance";
const IP = "urn:pulumi:prod::renfort::renfort:origin:Origin$scaleway:loadbalancers/ip:Ip::origin-ip-b";
const WAF = "urn:pulumi:prod::renfort::renfort:edge:Edge$cloudflare:index/ruleset:Ruleset::edge-waf";

describe("checkPreview on recorded `pulumi preview --json` output", () => {
  it("blocks the database replacement and groups its three steps", () => {
    const r = checkPreview(fixture("replace-database.json"), []);
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
    const r = checkPreview(fixture("replace-database.json"), [DB]);
    expect(r.ok).toBe(true);
    expect(r.unusedApprovals).toEqual([]);
  });

  it("blocks deleting a dedicated IP and the WAF ruleset but not a DNS record", () => {
    const r = checkPreview(fixture("delete-ip-and-ruleset.json"), []);
    expect(r.atRisk.map((x) => [x.urn, x.action])).toEqual([
      [WAF, "delete"],
      [IP, "delete"],
    ]);
  });

  it("stays blocked when only one of two resources is approved", () => {
    const r = checkPreview(fixture("delete-ip-and-ruleset.json"), [IP]);
    expect(r.ok).toBe(false);
    expect(r.atRisk.filter((x) => !x.approved).map((x) => x.urn)).toEqual([WAF]);
  });

  it.each(["safe-updates.json", "no-change.json"])("lets %s through", (name) => {
    const r = checkPreview(fixture(name), []);
    expect(r).toEqual({ ok: true, atRisk: [], unusedApprovals: [] });
  });

  it("reports an approval that matches nothing", () => {
    expect(checkPreview(fixture("safe-updates.json"), [DB]).unusedApprovals).toEqual([DB]);
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
  const dir = mkdtempSync(join(tmpdir(), "renfort-guard-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const out: string[] = [];
    const code = main(argv, env, (s) => out.push(s));
    return { code, out: out.join("\n") };
  };

  it("exits 1 listing each blocked resource and the lines to add", () => {
    const { code, out } = run(["--preview", fixturePath("delete-ip-and-ruleset.json")]);
    expect(code).toBe(1);
    expect(out).toContain(`BLOCKED  delete scaleway:loadbalancers/ip:Ip ${IP}`);
    expect(out).toContain(`  Stateful-Change-Approved: ${WAF}`);
  });

  it("takes approvals from --approvals and RENFORT_STATEFUL_APPROVALS", () => {
    expect(run(["--preview", fixturePath("delete-ip-and-ruleset.json"), "--approvals", IP], { RENFORT_STATEFUL_APPROVALS: WAF }).code).toBe(0);
  });

  it("takes approvals from a code owner's review of the merged pull request, not from its description", () => {
    const record = join(dir, "merged-pr.json");
    const owners = join(dir, "CODEOWNERS");
    writeFileSync(owners, "* @lead\n/Pulumi.*.yaml @ops-anna\n");
    const pr = { number: 9, user: { login: "dev" }, merged_at: "2026-12-01T10:00:00Z", head: { sha: "a".repeat(40) }, body: `Stateful-Change-Approved: ${DB}` };
    const review = { user: { login: "ops-anna" }, state: "APPROVED", body: `Stateful-Change-Approved: ${DB}`, submitted_at: "2026-12-01T09:00:00Z", commit_id: "a".repeat(40) };
    writeFileSync(record, JSON.stringify({ pull_request: pr, reviews: [], comments: [] }));
    expect(run(["--preview", fixturePath("replace-database.json"), "--merged-pr", record, "--codeowners", owners]).code).toBe(1);
    writeFileSync(record, JSON.stringify({ pull_request: pr, reviews: [review], comments: [] }));
    expect(run(["--preview", fixturePath("replace-database.json"), "--merged-pr", record, "--codeowners", owners]).code).toBe(0);
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
    process.env.INIT_CWD = join(fixturePath("delete-ip-and-ruleset.json"), "..");
    try {
      expect(run(["--preview", "delete-ip-and-ruleset.json"]).code).toBe(1);
    } finally {
      if (previous === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = previous;
    }
  });
});

describe("stateful types", () => {
  it("covers the types named by the issue and reads types from URNs", () => {
    expect(STATEFUL_TYPES.map((t) => t.type).sort()).toEqual([
      "cloudflare:index/ruleset:Ruleset",
      "cloudflare:index/zone:Zone",
      "cloudflare:index/zoneSetting:ZoneSetting",
      "scaleway:databases/instance:Instance",
      "scaleway:databases/readReplica:ReadReplica",
      "scaleway:domain/zone:Zone",
      "scaleway:loadbalancers/ip:Ip",
      "scaleway:loadbalancers/loadBalancer:LoadBalancer",
      "scaleway:registry/namespace:Namespace",
    ]);
    expect(typeFromUrn("urn:pulumi:prod::renfort::a:b:C$d:e:F::name::with::colons")).toBe("d:e:F");
    expect(typeFromUrn("not-a-urn")).toBeUndefined();
  });
});
