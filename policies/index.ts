/**
 * The CrossGuard pack. This file only builds the pack: constructing a PolicyPack starts the policy gRPC
 * server, so nothing (tests, the offline gate) imports it. Policies live in rules/, one per file.
 * Run: pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("renfort", {
  description: "Renfort platform guardrails: Cloudflare edge, Scaleway origin, database, email DNS, capacity and sovereignty.",
  enforcementLevel: "advisory",
  policies: [...policies],
});
