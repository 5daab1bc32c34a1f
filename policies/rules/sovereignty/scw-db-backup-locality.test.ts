import { scwDbBackupLocality as policy } from "./scw-db-backup-locality";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("scw-db-backup-locality", () => {
  test("passes with same-region backups", () => expectPass(policy, fx.db()));
  test("fails with cross-region backups", () => expectViolation(policy, mutate(fx.db(), "backupSameRegion", false), "backupSameRegion is not true"));
  test("passes when not required", () => expectPass(policy, mutate(fx.db(), "backupSameRegion", false), { requireSameRegion: false }));
});
