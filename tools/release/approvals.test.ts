/**
 * Stateful-change approvals from the merged pull request's reviews and comments, on recorded shapes of
 * GitHub's REST payloads (fixtures/github/README.md).
 */
import { readFileSync } from "fs";
import { join } from "path";
import { approvalsFromMergedPullRequest, codeOwnersOf, MergedPullRequestRecord, parseMergedPullRequestRecord, stackApprovers } from "./approvals";

const gh = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, "fixtures", "github", name), "utf8"));
const urn = (stack: string, tail: string) => `urn:pulumi:${stack}::renfort::${tail}`;
const DB = urn("prod", "renfort:database:Database$scaleway:databases/instance:Instance::database-instance");
const DB_STAGING = urn("staging", "renfort:database:Database$scaleway:databases/instance:Instance::database-instance");
const IP = urn("prod", "renfort:origin:Origin$scaleway:loadbalancers/ip:Ip::origin-ip-b");
const WAF = urn("prod", "renfort:edge:Edge$cloudflare:index/ruleset:Ruleset::edge-waf");

const CODEOWNERS = [
  "# default owner",
  "*                  @renfort/maintainers",
  "/.github/          @ops-anna @lead-carl",
  "/Pulumi.*.yaml     @ops-anna @lead-carl @dev-bob",
  "/Pulumi.prod.yaml  @ops-anna @lead-carl @dev-bob @renfort/ops",
].join("\n");

const record = (over: Partial<MergedPullRequestRecord> = {}): MergedPullRequestRecord =>
  parseMergedPullRequestRecord({
    pull_request: gh("pull.json"),
    reviews: gh("reviews.json"),
    comments: gh("comments.json"),
    ...over,
  });

describe("codeOwnersOf (last matching line wins, as on GitHub)", () => {
  it.each([
    ["Pulumi.prod.yaml", ["@ops-anna", "@lead-carl", "@dev-bob", "@renfort/ops"]],
    ["Pulumi.staging.yaml", ["@ops-anna", "@lead-carl", "@dev-bob"]],
    [".github/workflows/deploy.yml", ["@ops-anna", "@lead-carl"]],
    ["app/src/app.ts", ["@renfort/maintainers"]],
    ["stacks/Pulumi.prod.yaml", ["@renfort/maintainers"]],
  ])("%s", (path, owners) => {
    expect(codeOwnersOf(CODEOWNERS, path)).toEqual(owners);
  });

  it("matches unanchored directories anywhere and ** across directories", () => {
    expect(codeOwnersOf("stacks/ @a\n", "stacks/config/edge.ts")).toEqual(["@a"]);
    expect(codeOwnersOf("stacks/ @a\n", "tools/stacks/x.ts")).toEqual(["@a"]);
    expect(codeOwnersOf("/stacks/ @a\n", "tools/stacks/x.ts")).toEqual([]);
    expect(codeOwnersOf("/tools/**/README.md @a\n", "tools/release/README.md")).toEqual(["@a"]);
  });

  it("separates people from teams", () => {
    expect(stackApprovers(CODEOWNERS, "prod")).toEqual({ users: ["ops-anna", "lead-carl", "dev-bob"], teams: ["@renfort/ops"] });
  });
});

describe("approvalsFromMergedPullRequest", () => {
  const result = approvalsFromMergedPullRequest(record(), CODEOWNERS);

  it("counts a code owner's approving review of the merged head, and a code owner's comment before the merge", () => {
    expect(result.urns.sort()).toEqual([DB, DB_STAGING].sort());
  });

  it("ignores the pull request's description and labels, which its author can edit at any time", () => {
    const noReviews = approvalsFromMergedPullRequest(record({ reviews: [], comments: [] }), CODEOWNERS);
    expect(noReviews.urns).toEqual([]);
  });

  it.each([
    [IP, /approved commit 111111111111, not the merged head 4f1e2d3c4b5a/],
    [WAF, /state is COMMENTED/],
    [WAF, /@passer-by is not a code owner of Pulumi\.prod\.yaml \(team owners @renfort\/ops are not resolved/],
    [WAF, /comment by @github-actions\[bot\] .* is not a code owner/],
    [urn("prod", "renfort:edge:Edge$cloudflare:index/zone:Zone::edge-zone"), /submitted after the merge/],
    [urn("prod", "renfort:dns:Dns$scaleway:domain/zone:Zone::dns-zone"), /edited after the merge/],
  ])("sets aside %s, saying why", (u, why) => {
    expect(result.urns).not.toContain(u);
    expect(result.notes.filter((n) => n.includes(u)).join("\n")).toMatch(why);
  });

  it("never lets the author approve their own change, code owner or not", () => {
    const own = approvalsFromMergedPullRequest(
      record({
        reviews: [],
        comments: [{ user: { login: "dev-bob" }, body: `Stateful-Change-Approved: ${DB}`, created_at: "2026-12-01T09:00:00Z", updated_at: "2026-12-01T09:00:00Z" }],
      }),
      CODEOWNERS,
    );
    expect(own.urns).toEqual([]);
    expect(own.notes.join("\n")).toMatch(/author cannot approve their own change/);
  });

  it("reads the stack from the URN: an owner of staging's file only is no approver for prod", () => {
    const stagingOnly = "/Pulumi.staging.yaml @ops-anna\n/Pulumi.prod.yaml @lead-carl\n";
    expect(approvalsFromMergedPullRequest(record(), stagingOnly).urns).toEqual([DB_STAGING]);
  });

  it("approves nothing without a merged pull request", () => {
    expect(approvalsFromMergedPullRequest(parseMergedPullRequestRecord({ pull_request: null }), CODEOWNERS)).toEqual({
      urns: [],
      notes: ["no merged pull request for this commit: nothing is approved"],
    });
    const open = approvalsFromMergedPullRequest(record({ pull_request: { number: 42, merged_at: null } }), CODEOWNERS);
    expect(open.urns).toEqual([]);
    expect(open.notes[0]).toMatch(/not merged/);
  });

  it("rejects a record that is not the recorded shape, naming the field", () => {
    expect(() => parseMergedPullRequestRecord({ reviews: [] }, "r.json")).toThrow(/r\.json: no "pull_request" key/);
    expect(() => parseMergedPullRequestRecord({ pull_request: null, reviews: {} }, "r.json")).toThrow(/reviews must be an array/);
  });
});
