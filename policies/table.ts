/**
 * The README policy table from the policies' metadata: `npm run table -w policies` rewrites it between the
 * markers in this folder's README.md and in the repository's README.md (`-- --print` prints it instead).
 * meta.test.ts fails when either is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import prod from "./config/prod.json";
import staging from "./config/staging.json";
import { policyTable } from "./lib/table";
import { areaOf, policies } from "./rules";

const table = policyTable(policies, areaOf, { staging: staging as PolicyPackConfig, prod: prod as PolicyPackConfig });
if (process.argv.includes("--print")) {
  console.log(table);
} else {
  for (const file of [join(__dirname, "README.md"), join(__dirname, "..", "README.md")]) {
    const readme = readFileSync(file, "utf8");
    const next = readme.replace(/(<!-- policy-table:start -->\n)[\s\S]*?(\n<!-- policy-table:end -->)/, (_m, start: string, end: string) => `${start}${table}${end}`);
    writeFileSync(file, next);
    console.log(`${file}: ${policies.length} policies`);
  }
}
