import { documentationRangeOf, placeholdersIn } from "./placeholders";

describe("documentation ranges", () => {
  it.each([
    ["192.0.2.1", "192.0.2.0/24 (RFC 5737 TEST-NET-1)"],
    ["198.51.100.7/32", "198.51.100.0/24 (RFC 5737 TEST-NET-2)"],
    ["203.0.113.16/29", "203.0.113.0/24 (RFC 5737 TEST-NET-3)"],
    ["2001:db8::1", "2001:db8::/32 (RFC 3849 IPv6 documentation prefix)"],
    ["203.0.114.1/32", undefined],
    ["192.0.3.1", undefined],
    ["51.15.0.10/32", undefined],
    ["not-an-address", undefined],
  ])("%s -> %s", (value, expected) => expect(documentationRangeOf(value)).toBe(expected));
});

describe("placeholdersIn", () => {
  it("names each placeholder by its full config key", () => {
    expect(
      placeholdersIn({
        database: { adminAccess: { mode: "acl", allowedCidrs: ["51.15.0.10/32", "203.0.113.16/29"] } },
        scaleway: { projectId: "00000000-0000-0000-0000-000000000000", organizationId: "916e6e84-e9e8-4c11-96fd-b2b8cc23a67d" },
        fleet: { bootSnapshotId: "REPLACE-ME" },
        edge: { zoneId: "<zone id>" },
        network: { privateSubnet: "172.16.0.0/22" },
      }).map((p) => p.key),
    ).toEqual(["renfort:database.adminAccess.allowedCidrs[1]", "renfort:scaleway.projectId", "renfort:fleet.bootSnapshotId", "renfort:edge.zoneId"]);
  });
  it("finds nothing in real values", () => expect(placeholdersIn({ tier: "prod", capacity: { headroom: 1.5 }, x: ["10.0.0.0/8"] })).toEqual([]));
});
