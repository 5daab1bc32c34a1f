import { readFileSync } from "fs";
import { join } from "path";
import { diffPlans } from "./diff";
import { commentMarker, flattenInputs, lineDiff, renderDiffMarkdown } from "./diff-render";
import { assertPlanJson, PlanJson, PlanJsonResource } from "./plan-json";

const fixture = (name: string): PlanJson =>
  assertPlanJson(JSON.parse(readFileSync(join(__dirname, "fixtures", "diff", name), "utf8")), name);

const count = (s: string, needle: string) => s.split(needle).length - 1;

describe("renderDiffMarkdown", () => {
  const diff = diffPlans(fixture("prod-base.json"), fixture("prod-head.json"));
  const md = renderDiffMarkdown(diff, { stack: "prod", baseRef: "origin/main" });

  it("starts with the stack's marker so the workflow can update one comment", () => {
    expect(md.startsWith(`${commentMarker("prod")}\n`)).toBe(true);
    expect(commentMarker("staging")).toBe("<!-- renfort-plan-diff:staging -->");
  });

  it("summarizes counts and shows each changed input old -> new", () => {
    expect(md).toContain("**1 to add, 1 to remove, 3 to change**, 6 unchanged");
    expect(md).toContain("| `capacity.minReplicas` | `5` | `8` |");
    expect(md).toContain("| `rules[ref=geo-ban-kp]` | — |");
  });

  it("puts the stateful replacement in an open caution block with the approval instructions", () => {
    const caution = md.indexOf("[!CAUTION]");
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(md.indexOf("<details>"));
    expect(md).toMatch(/\| `database-instance` `scaleway:databases\/instance:Instance` \| \*\*replace\*\* \| `isHaCluster` changes \|/);
    expect(md).toContain("Stateful-Change-Approved: <urn>");
  });

  it("shows a new mandatory violation unfolded and the capacity verdict change", () => {
    expect(md).toContain("#### Policy verdicts (2)");
    expect(md).toContain("- **mandatory** `no-public-db` on `database-instance`");
    expect(md).toContain("| `fleetCapacity` | `600` | `960` |");
  });

  it("folds each added resource with its inputs", () => {
    expect(md).toContain("<details><summary>`email-dkim-s2` `cloudflare:index/dnsRecord:DnsRecord`</summary>");
    expect(md).toContain('| `content` | `"v=DKIM1; k=rsa; p=MIIC"` |');
  });

  it("renders secrets only as [secret]", () => {
    expect(md).toContain("| `password` | `[secret]` | secret value (not comparable offline) |");
  });

  it("balances its <details> folds", () => {
    expect(count(md, "<details>")).toBe(count(md, "</details>"));
    expect(count(md, "<details>")).toBeGreaterThanOrEqual(3);
  });

  it("says so when nothing changed", () => {
    const p = fixture("prod-base.json");
    const out = renderDiffMarkdown(diffPlans(p, p), { stack: "prod" });
    expect(out).toContain("No infrastructure change");
    expect(out).not.toContain("<details>");
  });

  it("rejects a cap above GitHub's comment limit", () => {
    expect(() => renderDiffMarkdown(diff, { stack: "prod", maxChars: 70000 })).toThrow(/65536/);
  });
});

describe("renderDiffMarkdown on a very large diff", () => {
  const mk = (i: number, v: string): PlanJsonResource => ({
    urn: `urn:pulumi:prod::renfort::cloudflare:index/dnsRecord:DnsRecord::rec-${String(i).padStart(5, "0")}`,
    type: "cloudflare:index/dnsRecord:DnsRecord",
    name: `rec-${i}`,
    inputs: { content: v.repeat(50), ttl: 1, comment: `record ${i} ${v}` },
    protect: false,
    dependsOn: [],
  });
  const base: PlanJson = { stack: "prod", project: "renfort", outputs: {}, violations: [], resources: [] };
  const head: PlanJson = { ...base, resources: [] };
  for (let i = 0; i < 3000; i++) {
    base.resources.push(mk(i, "old|`value` "));
    head.resources.push(mk(i, "new value "));
    head.resources.push(mk(i + 10000, "added "));
  }
  const diff = diffPlans(base, head);

  it.each([60000, 30000, 5000])("stays under maxChars=%i with a truncation note and balanced folds", (maxChars) => {
    const md = renderDiffMarkdown(diff, { stack: "prod", maxChars, baseRef: "origin/main" });
    expect(md.length).toBeLessThanOrEqual(maxChars);
    expect(md).toMatch(/Truncated to stay under GitHub's comment limit: \d+ entries not shown/);
    expect(md).toContain("npm run plan -- --stack prod --diff-against origin/main");
    expect(count(md, "<details>")).toBe(count(md, "</details>"));
    expect(md.startsWith(commentMarker("prod"))).toBe(true);
  });

  it("keeps the default cap under 65,536", () => {
    expect(renderDiffMarkdown(diff, { stack: "prod" }).length).toBeLessThanOrEqual(60000);
  });
});

describe("a fingerprinted secret change", () => {
  it("renders as changed without showing the value", () => {
    const r = (fp: string): PlanJsonResource => ({
      urn: "urn:pulumi:prod::renfort::scaleway:autoscaling/instanceTemplate:InstanceTemplate::tpl",
      type: "scaleway:autoscaling/instanceTemplate:InstanceTemplate",
      name: "tpl",
      inputs: { cloudInit: "[secret]" },
      protect: false,
      dependsOn: [],
      secretFingerprints: { cloudInit: fp },
    });
    const p = (fp: string): PlanJson => ({ stack: "prod", project: "renfort", outputs: {}, violations: [], resources: [r(fp)] });
    const md = renderDiffMarkdown(diffPlans(p("aaaa"), p("bbbb")), { stack: "prod" });
    expect(md).toContain("| `cloudInit` | `[secret]` | `[secret]` (changed) |");
    expect(md).not.toMatch(/aaaa|bbbb/);
  });
});

describe("flattenInputs", () => {
  it("lists leaves by path, keeping scalar lists whole", () => {
    expect(flattenInputs({ b: { c: 1 }, a: ["x", "y"], rules: [{ ref: "r" }], "odd.key": true })).toEqual([
      ["a", ["x", "y"]],
      ["b.c", 1],
      ['["odd.key"]', true],
      ["rules[0].ref", "r"],
    ]);
  });
});

describe("lineDiff", () => {
  it("shows only the differing lines of a multi-line value", () => {
    expect(lineDiff("a\nb\nc", "a\nB\nc\nd")).toEqual(["- b", "+ B", "+ d"]);
  });
});
