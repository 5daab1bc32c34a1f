/** The README's policy table, generated from the policies' metadata and the stack configs. */
import type { PolicyPackConfig } from "@pulumi/policy";
import type { RenfortPolicy } from "./policy";

const short: Record<string, string> = { mandatory: "M", advisory: "A", disabled: "—", remediate: "R" };

function level(cfg: PolicyPackConfig, name: string): string {
  const e = cfg[name];
  const l = typeof e === "string" ? e : e?.enforcementLevel;
  return l ? short[l] : "A";
}

export function policyTable(policies: readonly RenfortPolicy[], area: Record<string, string>, configs: { staging: PolicyPackConfig; prod: PolicyPackConfig }): string {
  const rows = policies.map(
    (p) =>
      `| ${area[p.name]} | \`${p.name}\` | ${p.kind} | ${p.severity} | ${level(configs.staging, p.name)} | ${level(configs.prod, p.name)} | ${p.description} | [ref](${p.url}) |`,
  );
  return ["| area | policy | kind | severity | staging | prod | guarantees | reference |", "|---|---|---|---|---|---|---|---|", ...rows].join("\n");
}
