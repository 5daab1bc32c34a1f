import { scwDbBackups as policy } from "./scw-db-backups";
import { fx, mutate } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

describe("scw-db-backups", () => {
  test("passes with daily backups kept 7 days", () => expectPass(policy, fx.db()));
  test("fails when disabled", () => expectViolation(policy, mutate(fx.db(), "disableBackup", true), "disabled"));
  test("fails with a short retention", () => expectViolation(policy, mutate(fx.db(), "backupScheduleRetention", 3), "kept 3 days"));
  test("fails with retention unset", () => expectViolation(policy, mutate(fx.db(), "backupScheduleRetention", undefined), "is not set"));
  test("fails with rare backups", () => expectViolation(policy, mutate(fx.db(), "backupScheduleFrequency", 48), "every 48 h"));
  test("honours a stricter retention", () => expectViolation(policy, fx.db(), "kept 7 days", { minRetentionDays: 14 }));
});
