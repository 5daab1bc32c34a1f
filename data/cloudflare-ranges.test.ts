import raw from "./cloudflare-ips.json";
import { CLOUDFLARE_IPS, cloudflareRanges, parseCloudflareIps } from "./cloudflare-ranges";

describe("Cloudflare ranges (data/cloudflare-ips.json)", () => {
  it("are dated, sourced, and all CIDRs (15 IPv4, 7 IPv6 on the day taken)", () => {
    expect(CLOUDFLARE_IPS.takenAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(CLOUDFLARE_IPS.source).toContain("https://www.cloudflare.com/ips");
    expect([CLOUDFLARE_IPS.ipv4.length, CLOUDFLARE_IPS.ipv6.length]).toEqual([15, 7]);
  });

  it("lists every published range, IPv4 first, in the published order", () => {
    // The published lists as read on the takenAt date, stated here so an edit of the JSON is a visible test change.
    expect(cloudflareRanges()).toEqual([
      "173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22", "141.101.64.0/18", "108.162.192.0/18",
      "190.93.240.0/20", "188.114.96.0/20", "197.234.240.0/22", "198.41.128.0/17", "162.158.0.0/15", "104.16.0.0/13",
      "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
      "2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32",
    ]);
  });

  it("returns a copy: a caller editing the list does not change what the next caller gets", () => {
    const first = cloudflareRanges();
    first.push("0.0.0.0/0");
    expect(cloudflareRanges()).not.toContain("0.0.0.0/0");
  });

  it.each([
    [{ ipv4: [] }, "data/cloudflare-ips.json: ipv4 must be a non-empty array of CIDRs"],
    [{ ipv4: ["173.245.48.0"] }, "data/cloudflare-ips.json: ipv4.0 is not an IPv4 CIDR"],
    [{ ipv6: ["2400:cb00::/32", "10.0.0.0/8"] }, "data/cloudflare-ips.json: ipv6.1 is not an IPv6 CIDR"],
    [{ ipv4: ["104.16.0.0/13", "104.16.0.0/13"] }, "data/cloudflare-ips.json: ipv4 lists a range twice"],
    [{ takenAt: "29/11/2026" }, "data/cloudflare-ips.json: takenAt must be a YYYY-MM-DD date"],
  ])("rejects %j", (change, message) => {
    expect(() => parseCloudflareIps({ ...raw, ...change })).toThrow(message);
  });
});
