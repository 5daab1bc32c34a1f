import { scwDbPrivate as policy } from "./scw-db-private";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("scw-db-private", () => {
  test("passes with a private network and an ACL on the admin endpoint", () => expectPass(policy, [fx.db(), fx.dbAcl()]));
  test("passes with no public endpoint and no ACL", () => expectPass(policy, [mutate(fx.db(), "loadBalancer", undefined)]));
  test("fails without a private network", () => expectViolation(policy, [mutate(fx.db(), "privateNetwork", undefined), fx.dbAcl()], "not attached to the private network"));
  test("fails with a public endpoint and no ACL", () => expectViolation(policy, [fx.db()], "without an ACL"));
  test("fails with an empty ACL", () => expectViolation(policy, [fx.db(), fx.dbAcl([])], "without an ACL"));
  test("fails with a public endpoint when not allowed", () => expectViolation(policy, [fx.db(), fx.dbAcl()], "remove it", { allowPublicEndpoint: false }));
});
