/** Prints the README policy table: `npx tsx policies/table.ts` (paste between the markers in README.md). */
import prod from "./config/prod.json";
import staging from "./config/staging.json";
import type { PolicyPackConfig } from "@pulumi/policy";
import { policyTable } from "./lib/table";
import { areaOf, policies } from "./rules";

console.log(policyTable(policies, areaOf, { staging: staging as PolicyPackConfig, prod: prod as PolicyPackConfig }));
