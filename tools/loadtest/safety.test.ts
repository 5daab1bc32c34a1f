import { allowHostsFromEnv, checkTarget, isLoopbackHost } from "./safety";

describe("isLoopbackHost", () => {
  it.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["api.localhost", true],
    ["localhost.", true],
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["[::1]", true],
    ["0:0:0:0:0:0:0:1", true],
    ["::ffff:127.0.0.1", true],
    ["128.0.0.1", false],
    ["10.0.0.1", false],
    ["0.0.0.0", false],
    ["::ffff:10.0.0.1", false],
    ["localhost.example.org", false],
    ["127.0.0.1.nip.io", false],
    ["app.renfort.fr", false],
  ])("%s -> %p", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe("checkTarget", () => {
  const none = { allowHosts: [], iKnowThisIsProduction: false };
  it("allows loopback targets", () => {
    expect(checkTarget("http://127.0.0.1:3000", none)).toEqual({ allowed: true, why: "loopback" });
    expect(checkTarget("http://[::1]:3000/", none)).toEqual({ allowed: true, why: "loopback" });
    expect(checkTarget("http://localhost:8080/base", none)).toEqual({ allowed: true, why: "loopback" });
  });
  it("refuses a remote target and says how to allow it", () => {
    expect(() => checkTarget("https://staging.renfort.fr", none)).toThrow(
      /refusing to load staging\.renfort\.fr.*--allow-host staging\.renfort\.fr.*RENFORT_LOADTEST_ALLOW_HOSTS.*--i-know-this-is-production/,
    );
    expect(() => checkTarget("http://127.0.0.1.nip.io", none)).toThrow(/refusing/);
  });
  it("allows a host of the allow-list, and only that host", () => {
    const policy = { allowHosts: ["Staging.Renfort.fr"], iKnowThisIsProduction: false };
    expect(checkTarget("https://staging.renfort.fr/", policy)).toEqual({ allowed: true, why: "allow-list" });
    expect(() => checkTarget("https://app.renfort.fr/", policy)).toThrow(/refusing to load app\.renfort\.fr/);
  });
  it("allows any host with the production acknowledgement", () => {
    expect(checkTarget("https://app.renfort.fr", { allowHosts: [], iKnowThisIsProduction: true })).toEqual({
      allowed: true,
      why: "production-acknowledged",
    });
  });
  it.each([
    ["not a url", /not an absolute URL/],
    ["ftp://127.0.0.1/", /protocol ftp: is not supported/],
    ["http://user:pw@127.0.0.1/", /credentials in the URL/],
  ])("rejects %s", (url, message) => {
    expect(() => checkTarget(url, { allowHosts: [], iKnowThisIsProduction: true })).toThrow(message);
  });
  it("parses the environment allow-list", () => {
    expect(allowHostsFromEnv(" a.example ,B.example,, ")).toEqual(["a.example", "b.example"]);
    expect(allowHostsFromEnv(undefined)).toEqual([]);
  });
});
