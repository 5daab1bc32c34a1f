import { scwDbAclClosed as policy } from "./scw-db-acl-closed";
import { fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("scw-db-acl-closed", () => {
  test("passes for a /32", () => expectPass(policy, fx.dbAcl()));
  test("fails for 0.0.0.0/0", () => expectViolation(policy, fx.dbAcl(["0.0.0.0/0"]), "whole internet"));
  test("fails for a /8", () => expectViolation(policy, fx.dbAcl(["10.0.0.0/8"]), "broader than /16"));
  test("fails for an invalid entry", () => expectViolation(policy, fx.dbAcl(["any"]), "not a valid IPv4"));
});
