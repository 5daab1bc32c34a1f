import raw from "./cloudflare-ips.json";
import { CLOUDFLARE_IPS, cloudflareRanges, parseCloudflareIps } from "./cloudflare-ranges";

describe("Cloudflare ranges (data/cloudflare-ips.json)", () => {
  it("are dated, sourced, and all CIDRs (15 IPv4, 7 IPv6 on the day taken)", () => {
    expect(CLOUDFLARE_IPS.takenAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(CLOUDFLARE_IPS.source).toContain("https://www.cloudflare.com/ips");
    expect([CLOUDFLARE_IPS.ipv4.length, CLOUDFLARE_IPS.ipv6.length]).toEqual([15, 7]);
    expect(cloudflareRanges()).toEqual([...raw.ipv4, ...raw.ipv6]);
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
