import { readFileSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { configuredLevel, findDowngrades, formatDowngrades, policyEventsFromLog } from "./unknown-downgrade";
import { main } from "./stateful-guard";
import { scratchDir } from "../../testing/scratch";

const fx = (name: string) => join(__dirname, "fixtures", "preview", name);
const events = policyEventsFromLog(readFileSync(fx("events-downgrade.jsonl"), "utf8"));
const config = JSON.parse(readFileSync(fx("policy-config.json"), "utf8")) as Record<string, unknown>;

describe("unknown-downgrade", () => {
  it("reads the policy events of an event log, skipping other events and a truncated line", () => {
    expect(events.map((e) => e.policyName)).toEqual(["lb-cert-covers-hosts", "db-backup-same-region", "db-read-replica"]);
  });

  it.each<[Record<string, unknown>, string, string]>([
    [{ p: "mandatory" }, "p", "mandatory"],
    [{ p: { enforcementLevel: "mandatory", minVersion: "1.2" } }, "p", "mandatory"],
    [{ all: "mandatory" }, "p", "mandatory"],
    [{ all: { enforcementLevel: "mandatory" }, p: "advisory" }, "p", "advisory"],
    [{}, "p", "advisory"],
  ])("configuredLevel(%j, %s) = %s", (cfg, policy, level) => {
    expect(configuredLevel(cfg, policy)).toBe(level);
  });

  it("reports only mandatory policies that could not run", () => {
    const ds = findDowngrades(events, config);
    expect(ds.map((d) => d.policy)).toEqual(["lb-cert-covers-hosts"]);
    expect(formatDowngrades(ds)).toContain("UNDECIDED mandatory policy lb-cert-covers-hosts on urn:pulumi:prod::renfort::");
  });

  it("reports nothing when every policy is advisory", () => {
    expect(findDowngrades(events, { all: "advisory" })).toEqual([]);
  });

  it("fails the guard CLI when given the event log, and only then", () => {
    const out: string[] = [];
    // A preview with nothing at risk: only the event log can fail the guard.
    const dir = scratchDir("renfort-downgrade-");
    const preview = join(dir, "preview.json");
    writeFileSync(preview, JSON.stringify({ steps: [], changeSummary: {} }));
    const args = ["--preview", preview];
    try {
      expect(main(args, {}, (s) => out.push(s))).toBe(0);
      expect(main([...args, "--event-log", fx("events-downgrade.jsonl"), "--policy-config", fx("policy-config.json")], {}, (s) => out.push(s))).toBe(1);
      expect(main([...args, "--event-log", fx("events-downgrade.jsonl")], {}, (s) => out.push(s))).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
