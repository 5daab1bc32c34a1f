import { committedStack, evaluateStack } from "../tools/plan/testing";
import { ConfigError } from "./config";
import { refusePlaceholders } from "./placeholders";

describe("placeholders in the committed stacks", () => {
  it.each(["staging", "prod"] as const)("%s: pulumi up refuses the fr-par-2 boot snapshot and the documentation-range admin ACL, naming each key and its fix", (stack) => {
    const { config } = committedStack(stack);
    let error: unknown;
    try {
      refusePlaceholders(config, false, () => undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^renfort:fleet\.bootSnapshotIds\.fr-par-2 is "00000000-0000-0000-0000-000000000000", an obvious placeholder, not a real value: replace it before deploying \(the id of the boot volume's Block Storage snapshot in fr-par-2 \(snapshots are zonal: `scw block snapshot list zone=fr-par-2`.*pulumi up refuses placeholders\.$/,
      ),
      expect.stringMatching(/^renfort:database\.adminAccess\.allowedCidrs\[0\] is "203\.0\.113\.16\/29", an address of the documentation range 203\.0\.113\.0\/24 \(RFC 5737 TEST-NET-3\).*replace it before deploying.*pulumi up refuses placeholders\.$/),
      expect.stringMatching(/^renfort:app\.adminAllowedCidrs\[0\] is "198\.51\.100\.20\/32", an address of the documentation range 198\.51\.100\.0\/24 .*pulumi up refuses placeholders\.$/),
    ]);
  });

  it("a preview warns instead, once per placeholder", () => {
    const warnings: string[] = [];
    const found = refusePlaceholders(committedStack("prod").config, true, (m) => warnings.push(m));
    expect(found.map((p) => p.key)).toEqual(["renfort:fleet.bootSnapshotIds.fr-par-2", "renfort:database.adminAccess.allowedCidrs[0]", "renfort:app.adminAllowedCidrs[0]"]);
    expect(warnings).toEqual([
      expect.stringContaining("placeholder: renfort:fleet.bootSnapshotIds.fr-par-2"),
      expect.stringContaining("placeholder: renfort:database.adminAccess.allowedCidrs[0]"),
      expect.stringContaining("placeholder: renfort:app.adminAllowedCidrs[0]"),
    ]);
  });

  it("a stack with the runner's and the operators' real addresses and a real fr-par-2 snapshot deploys", () => {
    const { config } = committedStack("prod", (raw) => {
      (raw.database as { adminAccess: { allowedCidrs: string[] } }).adminAccess.allowedCidrs = ["51.159.10.20/32"];
      (raw.app as { adminAllowedCidrs: string[] }).adminAllowedCidrs = ["51.159.10.21/32"];
      (raw.fleet as { bootSnapshotIds: Record<string, string> }).bootSnapshotIds["fr-par-2"] = "4c7a1e93-6b2d-4f08-a5c1-2e9d8b3f7a61";
    });
    expect(refusePlaceholders(config, false, () => undefined)).toEqual([]);
  });

  it("a real address with the fr-par-2 snapshot still a placeholder is refused, naming only the snapshot", () => {
    const { config } = committedStack("prod", (raw) => {
      (raw.database as { adminAccess: { allowedCidrs: string[] } }).adminAccess.allowedCidrs = ["51.159.10.20/32"];
      (raw.app as { adminAllowedCidrs: string[] }).adminAllowedCidrs = ["51.159.10.21/32"];
    });
    expect(() => refusePlaceholders(config, false, () => undefined)).toThrow(expect.objectContaining({ problems: [expect.stringMatching(/^renfort:fleet\.bootSnapshotIds\.fr-par-2 is "0{8}-0{4}-0{4}-0{4}-0{12}".*pulumi up refuses placeholders\.$/)] }));
  });
});

describe("the program's entry point (what pulumi up runs)", () => {
  const runEntry = (preview: boolean) =>
    evaluateStack(committedStack("prod"), () => {
      let exported: Record<string, unknown> = {};
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        exported = require("./index") as Record<string, unknown>;
      });
      return exported;
    }, { preview });

  it("refuses the committed prod stack on a deployment, before declaring anything", async () => {
    await expect(runEntry(false)).rejects.toThrow(/renfort:database\.adminAccess\.allowedCidrs\[0\] is "203\.0\.113\.16\/29".*pulumi up refuses placeholders/s);
  });

  it("evaluates it in a preview (with a warning)", async () => {
    const run = await runEntry(true);
    expect(run.resources.some((r) => r.type === "scaleway:databases/instance:Instance")).toBe(true);
  });
});
