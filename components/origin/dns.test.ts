import { apexARecords, apexCertificateWanted, customCertificateChain, sslCompatibilityLevel } from "./dns";

describe("apexARecords", () => {
  it("gives one A record per load balancer, primary first", () => {
    expect(apexARecords("renfort.gouv.fr", ["51.159.1.2", "51.159.3.4"], 3600)).toEqual([
      { name: "renfort.gouv.fr", type: "A", value: "51.159.1.2", ttl: 3600 },
      { name: "renfort.gouv.fr", type: "A", value: "51.159.3.4", ttl: 3600 },
    ]);
  });
  it.each([
    [[], 3600, "one or two load balancer IPv4 addresses"],
    [["51.159.1.2", "51.159.3.4", "51.159.5.6"], 3600, "one or two load balancer IPv4 addresses"],
    [["51.159.1.2", "51.159.1.2"], 3600, "two different IPs"],
    [["51.159.1.2", "2001:db8::1"], 3600, "need IPv4 addresses"],
    [["51.159.1.2", "51.159.3.4"], 30, "`apexRecordTtl` must be an integer >= 60"],
  ])("rejects %p ttl %p", (ips, ttl, message) => {
    expect(() => apexARecords("renfort.gouv.fr", ips, ttl)).toThrow(message);
  });
});

describe("sslCompatibilityLevel", () => {
  it.each([
    ["intermediate", "ssl_compatibility_level_intermediate"],
    ["modern", "ssl_compatibility_level_modern"],
  ] as const)("maps %s", (level, api) => {
    expect(sslCompatibilityLevel(level)).toBe(api);
  });
});

describe("customCertificateChain", () => {
  const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
  const key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
  it("puts the certificate first, then the key, each on its own lines", () => {
    expect(customCertificateChain(cert, key)).toBe(`${cert}\n${key}`);
  });
  it("rejects an empty key", () => {
    expect(() => customCertificateChain(cert, "")).toThrow("`originCertificate.privateKey` is empty");
  });
  it("rejects a certificate that is not PEM", () => {
    expect(() => customCertificateChain("nope", key)).toThrow("not a PEM certificate");
  });
});

describe("apexCertificateWanted", () => {
  it.each([
    [true, false, true, "records declared here: created before the certificate"],
    [true, true, true, "records declared here (apexDnsPointedHere is not read)"],
    [false, true, true, "the apex zone's owner has pointed the records"],
    [false, false, false, "first deploy, records not pointed yet: no certificate Let's Encrypt cannot validate"],
  ])("managed here %p, pointed here %p -> %p (%s)", (managed, pointed, wanted) => {
    expect(apexCertificateWanted(managed, pointed)).toBe(wanted);
  });
});
