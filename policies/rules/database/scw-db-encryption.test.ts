import { scwDbEncryption as policy } from "./scw-db-encryption";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("scw-db-encryption", () => {
  test("passes when encrypted", () => expectPass(policy, fx.db()));
  test("fails when not encrypted", () => expectViolation(policy, mutate(fx.db(), "encryptionAtRest", false), "encryptionAtRest is not true"));
});
