import { mainHostName, originAddresses, originIpProblem, originRecords } from "./records";

describe("originRecords", () => {
  it("gives one record per dedicated IP, keyed by purpose, on the full host name", () => {
    expect(originRecords("www.renfort-benevoles.fr", ["51.159.10.20", "51.159.10.21"])).toEqual([
      { key: "primary", name: "www.renfort-benevoles.fr", content: "51.159.10.20" },
      { key: "secondary", name: "www.renfort-benevoles.fr", content: "51.159.10.21" },
    ]);
  });

  it("strips a trailing dot", () => {
    expect(originRecords("www.example.fr.", ["51.159.1.1", "51.159.1.2"])[0].name).toBe("www.example.fr");
  });

  it.each<[string, string[], RegExp]>([
    ["www.example.fr", ["51.159.1.1"], /exactly 2 IP addresses .* got 1/],
    ["www.example.fr", ["51.159.1.1", "51.159.1.2", "51.159.1.3"], /exactly 2 IP addresses .* got 3/],
    ["www.example.fr", [], /got 0/],
    ["www.example.fr", ["51.159.1.1", "51.159.1.1"], /must differ, got 51.159.1.1 twice/],
    ["www.example.fr", ["51.159.1.1", "10.0.0.4"], /10.0.0.4 is a private or special-purpose address/],
    ["www.example.fr", ["51.159.1.1", "2001:db8::1"], /is not an IPv4 address/],
    ["@", ["51.159.1.1", "51.159.1.2"], /main host "@" must be a lower-case fully qualified host name/],
    ["WWW.example.fr", ["51.159.1.1", "51.159.1.2"], /fully qualified host name/],
  ])("refuses host %j with IPs %j", (host, ips, message) => {
    expect(() => originRecords(host, ips)).toThrow(message);
  });
});

describe("originIpProblem", () => {
  it.each([
    ["51.159.0.1", false],
    ["163.172.1.1", false],
    ["8.8.8.8", false],
    ["10.1.2.3", true],
    ["172.16.0.1", true],
    ["172.31.255.255", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["127.0.0.1", true],
    ["100.64.0.1", true],
    ["169.254.1.1", true],
    ["192.0.2.1", true],
    ["192.0.1.1", false],
    ["198.51.100.7", true],
    ["203.0.113.9", true],
    ["198.18.0.1", true],
    ["0.0.0.0", true],
    ["224.0.0.1", true],
    ["255.255.255.255", true],
    ["256.1.1.1", true],
    ["1.2.3", true],
  ])("%s has a problem: %s", (ip, bad) => {
    expect(originIpProblem(ip) !== undefined).toBe(bad);
  });
});

describe("mainHostName and originAddresses", () => {
  it("name the host and key the addresses by purpose", () => {
    expect(mainHostName("www.example.fr.")).toBe("www.example.fr");
    expect(originAddresses(["51.159.1.1", "51.159.1.2"])).toEqual({ primary: "51.159.1.1", secondary: "51.159.1.2" });
  });
});
