/**
 * Meta-tests over the whole pack: every policy is documented, configured for each stack, and tested
 * with both a passing and a failing case. (Never imports index.ts: it starts the policy server.)
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import prod from "./config/prod.json";
import staging from "./config/staging.json";
import type { PolicyPackConfig } from "@pulumi/policy";
import { areaOf, policies } from "./rules";
import { PLATFORM_LIMITS_AREA } from "./rules/platform-limits";
import { policyTable } from "./lib/table";

const configs: Record<string, Record<string, { enforcementLevel?: string } & Record<string, unknown>>> = { staging, prod };
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

describe("policy pack metadata", () => {
  test("names are unique kebab-case and not 'all'", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) {
      expect(n).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(n).not.toBe("all");
    }
  });

  test.each(policies.map((p) => [p.name, p] as const))("%s is documented", (_name, p) => {
    expect(p.description).toMatch(/^[A-Z].{20,}\.$/);
    expect(p.remediationSteps && p.remediationSteps.length).toBeGreaterThan(20);
    expect(p.url).toMatch(/^https:\/\//);
    expect(["low", "medium", "high", "critical"]).toContain(p.severity);
    const props = p.configSchema?.properties ?? {};
    expect(Object.keys(props).length).toBeGreaterThan(0);
    expect(props).not.toHaveProperty("enforcementLevel");
    for (const [k, s] of Object.entries(props)) {
      expect([k, "default" in s]).toEqual([k, true]);
      expect([k, typeof s.description]).toEqual([k, "string"]);
    }
  });

  test.each(policies.map((p) => [p.name, p] as const))("%s has a level and valid config in every stack", (name, p) => {
    for (const [stack, cfg] of Object.entries(configs)) {
      const entry = cfg[name];
      expect([stack, LEVELS.includes(String(entry?.enforcementLevel))]).toEqual([stack, true]);
      const keys = Object.keys(entry).filter((k) => k !== "enforcementLevel");
      for (const k of keys) expect([stack, k, Object.keys(p.configSchema?.properties ?? {}).includes(k)]).toEqual([stack, k, true]);
      // a configured value has the default's JSON type
      const defaults = p.configOf(() => ({})) as Record<string, unknown>;
      for (const k of keys) expect([k, Array.isArray(entry[k]), typeof entry[k]]).toEqual([k, Array.isArray(defaults[k]), typeof defaults[k]]);
    }
  });

  test("no stack config names a policy the pack does not have", () => {
    const names = new Set(policies.map((p) => p.name));
    for (const cfg of Object.values(configs)) for (const k of Object.keys(cfg)) expect([k, names.has(k)]).toEqual([k, true]);
  });

  test("every platform-limits policy is mandatory in every stack (a provider refuses it whatever the tier)", () => {
    const area = policies.filter((p) => areaOf[p.name] === PLATFORM_LIMITS_AREA).map((p) => p.name);
    for (const [stack, cfg] of Object.entries(configs)) for (const n of area) expect([stack, n, cfg[n]?.enforcementLevel]).toEqual([stack, n, "mandatory"]);
  });

  test("prod is at least as strict as staging", () => {
    for (const p of policies) {
      if (configs.staging[p.name].enforcementLevel === "mandatory") expect([p.name, configs.prod[p.name].enforcementLevel]).toEqual([p.name, "mandatory"]);
    }
  });

  test.each(policies.map((p) => [p.name] as const))("%s has a test file with a passing and a failing case", (name) => {
    const file = join(__dirname, "rules", areaOf[name], `${name}.test.ts`);
    expect(existsSync(file)).toBe(true);
    const src = readFileSync(file, "utf8");
    expect(src).toMatch(/expectPass\(/);
    expect(src).toMatch(/expectViolation\(/);
    expect(src).not.toMatch(/from "\.\.\/\.\.\/index"|from "\.\/index"/);
  });

  test.each([join(__dirname, "README.md"), join(__dirname, "..", "README.md")])("the policy table of %s is the one generated from the metadata (npm run table -w policies)", (file) => {
    const readme = readFileSync(file, "utf8");
    const table = /<!-- policy-table:start -->\n([\s\S]*?)\n<!-- policy-table:end -->/.exec(readme)?.[1];
    expect(table).toBe(policyTable(policies, areaOf, { staging, prod } as Record<"staging" | "prod", PolicyPackConfig>));
  });
});
