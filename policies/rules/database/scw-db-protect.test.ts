import { scwDbProtect as policy } from "./scw-db-protect";
import { fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("scw-db-protect", () => {
  test("passes when protected", () => expectPass(policy, fx.db()));
  test("fails when not protected", () => expectViolation(policy, { ...fx.db(), protect: false }, "db is not protected"));
  test("passes unprotected when not required (staging)", () => expectPass(policy, { ...fx.db(), protect: false }, { requireProtect: false }));
});
