import { join } from "node:path";
import { readStackFile } from "../plan/stack-file";
import { UsageError, baseUrlFromStackConfig, parseOpsArgs, verdictOf, type InstanceReport } from "./degraded";

const report = (instance: string, enabled: boolean): InstanceReport => ({ instance, enabled, reason: null, changedAt: null, changedBy: null, source: "default" });

describe("parseOpsArgs", () => {
  test("reads the action and options", () => {
    expect(parseOpsArgs(["degraded", "on", "--stack", "prod", "--reason", "launch surge"])).toMatchObject({
      action: "on",
      stack: "prod",
      reason: "launch surge",
      polls: 12,
      waitSeconds: 5,
    });
    expect(parseOpsArgs(["degraded", "status", "--url", "http://127.0.0.1:8080", "--polls", "3"])).toMatchObject({ action: "status", url: "http://127.0.0.1:8080", polls: 3 });
    expect(parseOpsArgs(["--help"]).help).toBe(true);
  });

  test.each([
    [["degraded", "on"], /--stack <stack> \(or --url <base URL>\) is required/],
    [["degraded", "maybe", "--stack", "prod"], /degraded needs on, off or status, got "maybe"/],
    [["restart", "--stack", "prod"], /unknown command "restart"/],
    [["degraded", "on", "--stack", "prod", "--colour"], /--colour/],
    [["degraded", "on", "--stack", "../etc"], /--stack must be a stack name/],
    [["degraded", "on", "--url", "ftp://x"], /--url must be http:\/\/ or https:\/\//],
    [["degraded", "on", "--stack", "prod", "--reason", " "], /--reason must be 1 to 500 characters/],
    [["degraded", "status", "--stack", "prod", "--reason", "x"], /--reason only applies to on and off/],
    [["degraded", "on", "--stack", "prod", "--polls", "0"], /--polls must be an integer between 1 and 1000, got "0"/],
    [["degraded", "on", "--stack", "prod", "launch", "surge"], /unexpected argument "launch"/],
  ])("%j is a usage error naming the fix", (argv, message) => {
    expect(() => parseOpsArgs(argv)).toThrow(UsageError);
    expect(() => parseOpsArgs(argv)).toThrow(message);
  });
});

describe("verdictOf", () => {
  test.each([
    ["every instance applies the expected mode", [report("a", true), report("b", true)], true, { ok: true, disagreeing: [] }],
    ["the latest report of each instance counts", [report("a", false), report("b", true), report("a", true)], true, { ok: true, disagreeing: [] }],
    ["an instance still in the old mode fails", [report("a", true), report("b", false)], true, { ok: false, disagreeing: ["b"] }],
    ["status: instances must agree", [report("a", false), report("b", true)], undefined, { ok: false, disagreeing: ["b"] }],
    ["status: all normal is fine", [report("a", false), report("b", false)], undefined, { ok: true, disagreeing: [] }],
    ["no instance seen is no verdict", [], true, { ok: false, disagreeing: [] }],
  ] as const)("%s", (_label, reports, expected, out) => {
    expect(verdictOf(reports, expected)).toMatchObject(out);
  });
});

describe("baseUrlFromStackConfig", () => {
  test("the main host of the stack file", () => {
    const { config } = readStackFile(join(__dirname, "..", "..", "Pulumi.prod.yaml"));
    expect(baseUrlFromStackConfig(config, "prod")).toBe(`https://${(config["renfort:domain"] as { mainHost: string }).mainHost}`);
  });
  test("a stack without one names the key and the way out", () => {
    expect(() => baseUrlFromStackConfig({}, "dev")).toThrow("Pulumi.dev.yaml has no renfort:domain.mainHost: set it, or pass --url <base URL>");
  });
});
