import { addressPlan, cloudflareSourceAddresses, mapSubnet, mapSubnets, readCloudflareRanges, type SubnetMapping } from "./addresses";

const cloudflare = readCloudflareRanges();
const m: SubnetMapping = { plan: addressPlan("127.0.20.0"), cloudflare, privateSubnet: "172.16.0.0/22" };

describe("mapSubnet: declared subnets onto the twin's loopback", () => {
  test.each([
    ["Cloudflare's first IPv4 range", cloudflare.ipv4[0], ["127.0.20.32/32"]],
    ["Cloudflare's last IPv4 range", cloudflare.ipv4[cloudflare.ipv4.length - 1], [`127.0.20.${32 + cloudflare.ipv4.length - 1}/32`]],
    ["a Cloudflare IPv6 range (no IPv6 client in the twin)", cloudflare.ipv6[0], []],
    ["the private subnet", "172.16.0.0/22", ["127.0.20.128/25"]],
    ["every IPv4 client", "0.0.0.0/0", ["0.0.0.0/0"]],
    ["every IPv6 client", "::/0", ["::/0"]],
    ["an operator's public range (matches no loopback client, as no twin client is in it)", "203.0.113.16/29", ["203.0.113.16/29"]],
    ["a subnet that only overlaps a Cloudflare range", "104.16.0.0/12", ["104.16.0.0/12"]],
  ])("%s", (_what, subnet, expected) => {
    expect(mapSubnet(subnet, m)).toEqual(expected);
  });

  test("a list keeps its order and drops what maps to nothing or twice", () => {
    expect(mapSubnets([cloudflare.ipv4[1], ...cloudflare.ipv6, "172.16.0.0/22", cloudflare.ipv4[1]], m)).toEqual(["127.0.20.33/32", "127.0.20.128/25"]);
  });

  test("the edge sends from one stand-in per IPv4 range, and each is inside its mapped subnet", () => {
    const sources = cloudflareSourceAddresses(m);
    expect(sources).toHaveLength(cloudflare.ipv4.length);
    sources.forEach((s, k) => expect(mapSubnet(cloudflare.ipv4[k], m)).toEqual([`${s}/32`]));
  });

  test("the private subnet stand-in holds every instance and every load balancer's private side, and no public part", () => {
    const plan = m.plan;
    const inPrivate = (a: string) => Number(a.split(".")[3]) >= 128;
    expect([plan.instance(0), plan.instance(99), plan.loadBalancerPrivate(0), plan.loadBalancerPrivate(21)].every(inPrivate)).toBe(true);
    expect([plan.edge, plan.smtp, plan.database, plan.loadBalancer(0), plan.loadBalancer(21), plan.cloudflare(0), plan.cloudflare(31)].some(inPrivate)).toBe(false);
  });
});

describe("addressPlan", () => {
  test.each(["127.0.20.1", "10.0.0.0", "127.0.300.0", "localhost"])("refuses --base-address %s, naming the option and the form", (bad) => {
    expect(() => addressPlan(bad)).toThrow(/--base-address must be a loopback \/24 written 127\.x\.y\.0/);
  });
  test("refuses more instances than the /24 holds", () => {
    expect(() => addressPlan().instance(100)).toThrow(/at most 100 instances/);
  });
});
