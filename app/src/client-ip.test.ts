import { clientIp, ipInCidrs, normalizeIp, parseCidr, parseCidrList, rateLimitKey, type Cidr } from "./client-ip";

const parsed = parseCidrList("173.245.48.0/20, 2400:cb00::/32 10.0.0.0/8");
const cf: Cidr[] = parsed.ok ? parsed.value : [];

describe("parseCidrList", () => {
  test.each([
    ["", 0],
    ["10.0.0.0/8", 1],
    ["10.0.0.1", 1],
    ["173.245.48.0/20,103.21.244.0/22", 2],
    ["2400:cb00::/32 ::1", 2],
  ])("%s -> %d ranges", (text, n) => {
    const r = parseCidrList(text);
    expect(r.ok && r.value.length).toBe(n);
  });
  test.each(["10.0.0.0/33", "300.0.0.1/8", "example.org", "10.0.0.0/8/1", "2400:cb00::/129", "10.0.0.0/x"])("rejects %s", (text) => {
    const r = parseCidrList(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(text);
  });
  test("masks host bits", () => {
    expect(parseCidr("10.1.2.3/8")!.network).toBe(parseCidr("10.0.0.0/8")!.network);
  });
});

describe("ipInCidrs", () => {
  test.each([
    ["173.245.48.1", true],
    ["173.245.63.255", true],
    ["173.245.64.0", false],
    ["::ffff:173.245.48.9", true],
    ["2400:cb00:1::1", true],
    ["2400:cb01::1", false],
    ["10.255.255.255", true],
    ["garbage", false],
  ])("%s -> %s", (ip, inside) => expect(ipInCidrs(ip, cf)).toBe(inside));
});

describe("normalizeIp", () => {
  test.each([
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["[2001:DB8::1]", "2001:db8::1"],
    ["fe80::1%eth0", "fe80::1"],
    [" 192.0.2.1 ", "192.0.2.1"],
  ])("%s -> %s", (raw, text) => expect(normalizeIp(raw)?.text).toBe(text));
  test("not an IP", () => expect(normalizeIp("1.2.3")).toBeUndefined());
});

describe("clientIp", () => {
  const h = (o: Record<string, string>) => o;
  test.each([
    ["untrusted peer: headers ignored", "198.51.100.1", h({ "cf-connecting-ip": "1.1.1.1", "x-forwarded-for": "2.2.2.2" }), "198.51.100.1"],
    ["trusted peer: CF-Connecting-IP", "173.245.48.5", h({ "cf-connecting-ip": "203.0.113.9", "x-forwarded-for": "2.2.2.2" }), "203.0.113.9"],
    ["trusted peer: IPv6 CF-Connecting-IP", "::ffff:10.0.0.2", h({ "cf-connecting-ip": "2001:db8::1" }), "2001:db8::1"],
    ["trusted peer: bad CF header falls back to XFF", "10.0.0.2", h({ "cf-connecting-ip": "x", "x-forwarded-for": "203.0.113.1" }), "203.0.113.1"],
    ["trusted peer: XFF from the right, skipping trusted hops", "10.0.0.2", h({ "x-forwarded-for": "6.6.6.6, 203.0.113.2, 173.245.48.7" }), "203.0.113.2"],
    ["trusted peer: garbage in XFF stops the walk", "10.0.0.2", h({ "x-forwarded-for": "6.6.6.6, junk, 10.0.0.3" }), "10.0.0.2"],
    ["trusted peer: no headers", "10.0.0.2", h({}), "10.0.0.2"],
    ["no peer", undefined, h({ "cf-connecting-ip": "1.1.1.1" }), "unknown"],
  ])("%s", (_name, peer, headers, expected) => expect(clientIp(peer, headers, cf)).toBe(expected));
  test("nothing trusted: the peer, always", () => expect(clientIp("10.0.0.2", { "cf-connecting-ip": "1.1.1.1" }, [])).toBe("10.0.0.2"));
});

describe("rateLimitKey", () => {
  test.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8:aa:bb::1", "2001:db8:aa:bb::/64"],
    ["2001:DB8:AA:BB:ffff:ffff:ffff:ffff", "2001:db8:aa:bb::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["unknown", "unknown"],
  ])("%s -> %s", (ip, key) => {
    expect(rateLimitKey(ip)).toBe(key);
  });
});
