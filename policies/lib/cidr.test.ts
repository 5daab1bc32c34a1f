import { cidrWithin, isPrivateOrBogon, parseCidr } from "./cidr";

describe("cidr", () => {
  test.each([
    ["173.245.48.0/24", "173.245.48.0/20", true],
    ["173.245.64.0/24", "173.245.48.0/20", false],
    ["0.0.0.0/0", "173.245.48.0/20", false],
    ["2606:4700:10::/48", "2606:4700::/32", true],
    ["2606:4701::/48", "2606:4700::/32", false],
    ["10.1.2.3", "10.0.0.0/8", true],
    ["::ffff:10.0.0.1", "10.0.0.0/8", false],
  ])("%s within %s = %s", (inner, outer, expected) => {
    expect(cidrWithin(parseCidr(inner)!, parseCidr(outer)!)).toBe(expected);
  });

  test.each([["1.2.3.4/33"], ["nope"], ["1.2.3.4/x"], ["300.1.1.1"]])("rejects %s", (bad) => {
    expect(parseCidr(bad)).toBeUndefined();
  });

  test.each([
    ["10.0.0.5", true],
    ["172.20.1.1", true],
    ["192.168.1.1", true],
    ["51.15.0.10", false],
    ["fd00::1", true],
    ["2001:bc8::1", false],
  ])("isPrivateOrBogon(%s) = %s", (ip, expected) => {
    expect(isPrivateOrBogon(ip)).toBe(expected);
  });
});
