import { parseStackFile, StackFileError } from "./stack-file";

describe("parseStackFile", () => {
  it("passes scalars as text, structured values as objects, and hides ciphertext", () => {
    const { config, secretKeys } = parseStackFile(
      [
        "encryptionsalt: v1:abc",
        "config:",
        "  renfort:tier: prod",
        "  renfort:fleet:",
        "    minInstances: 3",
        "  renfort:adminToken:",
        "    secure: v1:bm9uY2U=:Y2lwaGVy",
        "  renfort:edge:",
        "    nested:",
        "      secure: v1:xx",
      ].join("\n"),
      "Pulumi.prod.yaml",
    );
    expect(config).toEqual({
      "renfort:tier": "prod",
      "renfort:fleet": { minInstances: 3 },
      "renfort:adminToken": "[secret]",
      "renfort:edge": { nested: "[secret]" },
    });
    expect(secretKeys.sort()).toEqual(["renfort:adminToken", "renfort:edge"]);
  });

  it.each([
    ["config: [1, 2]", /"config:" must be a map/],
    ["config:\n  tier: prod", /config key "tier" must be written <namespace>:<key>/],
    ["config: {a: [}", /is not valid YAML/],
  ])("rejects %j with a clear error", (text, message) => {
    expect(() => parseStackFile(text, "f.yaml")).toThrow(StackFileError);
    expect(() => parseStackFile(text, "f.yaml")).toThrow(message);
  });
});
