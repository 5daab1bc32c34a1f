import { committedRaw, configProblems } from "../../tools/plan/testing";

function withAdminCidrs(value: unknown): Record<string, unknown> {
  const raw = committedRaw("prod") as Record<string, Record<string, unknown>>;
  raw.app = { ...raw.app, adminAllowedCidrs: value };
  return raw;
}

describe("renfort:app.adminAllowedCidrs", () => {
  it("accepts the operators' addresses", () => {
    expect(configProblems(withAdminCidrs(["198.51.100.20/32", "2001:db8:1::/48"]))).toEqual([]);
  });
  it.each([
    [[], /renfort:app.adminAllowedCidrs must list the operators' addresses/],
    [["0.0.0.0/0"], /renfort:app.adminAllowedCidrs\[0\] must be at most a \/16: the admin API is for the operators' own addresses, never internet-wide/],
    [["198.51.100.20/32", "::/0"], /renfort:app.adminAllowedCidrs\[1\] must be at most a \/32/],
    [["10.0.0.0/8"], /must be at most a \/16/],
    [["operators"], /renfort:app.adminAllowedCidrs\[0\] must be an IPv4\/IPv6 address or CIDR/],
  ])("refuses %j", (value, message) => {
    expect(configProblems(withAdminCidrs(value))).toEqual([expect.stringMatching(message)]);
  });
});
