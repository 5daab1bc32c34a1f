/**
 * The admin ACL of the committed stacks holds a documentation-range placeholder: the program marks its rule
 * as a placeholder (so the plan and the pack tell it from a real address, and stacks/index.ts refuses it on
 * `pulumi up`); a real runner address is an ordinary rule. Checked with the pack's
 * `scw-db-acl-documentation-range` on what the program declares.
 */
import * as pulumi from "@pulumi/pulumi";
import { committedStack, evaluateStack, withProviders, type CommittedStack } from "../../tools/plan/testing";
import { unwrapSecrets } from "../../tools/plan/values";
import { check } from "../../policies/testing/check";
import { scwDbAclDocumentationRange } from "../../policies/rules/platform-limits/scw-db-acl-documentation-range";
import { adminAclRuleDescription } from "../../components/database/index";
import { createDatabase } from "./database";

async function aclOf(stack: CommittedStack) {
  const cfg = stack.config;
  const run = await evaluateStack(stack, () => {
    createDatabase(cfg, { originTlsPrivateKey: pulumi.secret("unused"), adminToken: pulumi.secret("unused") }, { privateNetworkId: pulumi.output("fr-par/pn") }, withProviders(cfg));
    return {};
  });
  const acl = run.resources.find((r) => r.type === "scaleway:databases/acl:Acl");
  if (!acl) throw new Error("no database ACL declared");
  return { urn: acl.urn, type: acl.type, name: acl.name, props: unwrapSecrets(acl.inputs) as Record<string, unknown>, protect: acl.protect, dependencies: acl.dependsOn };
}

describe("the admin ACL's placeholder", () => {
  it.each(["staging", "prod"] as const)("%s: the committed documentation-range address is declared as a marked placeholder the pack accepts", async (name) => {
    const acl = await aclOf(committedStack(name));
    expect(acl.props.aclRules).toEqual([{ ip: "203.0.113.16/29", description: expect.stringMatching(/^PLACEHOLDER: 203\.0\.113\.16\/29 is in 203\.0\.113\.0\/24 \(RFC 5737 TEST-NET-3\)/) }]);
    expect(await check(scwDbAclDocumentationRange, acl)).toEqual([]);
  });

  it("the runner's real address is an ordinary rule", async () => {
    const acl = await aclOf(
      committedStack("prod", (raw) => {
        (raw.database as { adminAccess: { allowedCidrs: string[] } }).adminAccess.allowedCidrs = ["51.159.10.20/32"];
      }),
    );
    expect(acl.props.aclRules).toEqual([{ ip: "51.159.10.20/32", description: "renfort operators (pulumi up)" }]);
    expect(await check(scwDbAclDocumentationRange, acl)).toEqual([]);
  });

  it("the same address described as a real rule (the program before placeholders were marked) is refused", async () => {
    const acl = await aclOf(committedStack("prod"));
    const unmarked = { ...acl, props: { ...acl.props, aclRules: [{ ip: "203.0.113.16/29", description: adminAclRuleDescription("51.159.10.20/32") }] } };
    expect((await check(scwDbAclDocumentationRange, unmarked)).map((o) => o.message)).toEqual([expect.stringContaining("ACL rule 203.0.113.16/29 is in the documentation range")]);
  });
});
