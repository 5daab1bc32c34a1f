import { apexAcmeDelegation, apexARecords, customCertificateChain, sslCompatibilityLevel } from "./dns";

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

describe("customCertificateChain with intermediates (Let's Encrypt's issuer_pem)", () => {
  const leaf = "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n";
  const issuer = "-----BEGIN CERTIFICATE-----\nR11\n-----END CERTIFICATE-----\n";
  const key = "-----BEGIN RSA PRIVATE KEY-----\nKEY\n-----END RSA PRIVATE KEY-----\n";
  it("puts the leaf, then the intermediates, then the key", () => {
    expect(customCertificateChain(leaf, key, { intermediatesPem: issuer })).toBe(`${leaf}${issuer}${key}`);
  });
  it("rejects intermediates that are not PEM certificates", () => {
    expect(() => customCertificateChain(leaf, key, { intermediatesPem: "garbage", certificateFrom: "the apex certificate" })).toThrow("the intermediates of the apex certificate are not PEM certificates");
  });
  it("names the certificate's source and the empty-key problem it is given", () => {
    expect(() => customCertificateChain("nope", key, { certificateFrom: "the apex certificate" })).toThrow("the apex certificate is not a PEM certificate");
    expect(() => customCertificateChain(leaf, "", { emptyKeyMessage: "no key came back" })).toThrow("no key came back");
  });
});

describe("apexAcmeDelegation", () => {
  it("delegates _acme-challenge.<apex> to a name of its own in the Cloudflare zone", () => {
    expect(apexAcmeDelegation("renfort.gouv.fr", "renfort-benevoles.fr", 3600)).toEqual({
      name: "_acme-challenge.renfort.gouv.fr",
      type: "CNAME",
      value: "_acme-challenge-apex.renfort-benevoles.fr",
      ttl: 3600,
    });
  });
  it.each([
    ["renfort.gouv.fr", "renfort.gouv.fr", 3600, "inside the Cloudflare zone"],
    ["apex.renfort.fr", "renfort.fr", 3600, "inside the Cloudflare zone"],
    ["renfort.gouv.fr", "renfort.fr", 30, "TTL must be an integer >= 60"],
  ])("refuses apex %p in zone %p ttl %p", (apex, zone, ttl, message) => {
    expect(() => apexAcmeDelegation(apex, zone, ttl)).toThrow(message);
  });
});
