import { scwDbAclDocumentationRange as policy } from "./scw-db-acl-documentation-range";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";

const withRules = (rules: unknown) => mutate(fx.dbAcl(), "aclRules", rules);

describe("scw-db-acl-documentation-range", () => {
  test("passes for the fixture's operator address", () => expectPass(policy, fx.dbAcl()));
  test.each(["192.0.2.10/32", "198.51.100.0/29", "203.0.113.16/29"])("fails for %s described as a real rule", (ip) =>
    expectViolation(policy, withRules([{ ip, description: "renfort operators (pulumi up)" }]), `ACL rule ${ip} is in the documentation range`),
  );
  test("passes for a rule marked as a placeholder (pulumi up refuses it in the program)", () =>
    expectPass(policy, withRules([{ ip: "203.0.113.16/29", description: "PLACEHOLDER: 203.0.113.16/29 is in 203.0.113.0/24" }])));
  test("fails for a marked placeholder when the stack's policy config does not accept them", () =>
    expectViolation(policy, withRules([{ ip: "203.0.113.16/29", description: "PLACEHOLDER: x" }]), "documentation range", { acceptMarkedPlaceholders: false }));
  test("passes next to a documentation range only for real addresses", () => expectPass(policy, withRules([{ ip: "203.0.114.1/32", description: "ops" }])));
  test("is undecided when an ip is unknown", () => expectUndecided(policy, withRules([{ ip: UNKNOWN, description: "ops" }])));
});
