import { ANY_SOURCE, apexRedirectTarget, ORIGIN_AUTH_HEADER, originAcls } from "./acls";
import { CLOUDFLARE_IPS, cloudflareRanges } from "../../data/cloudflare-ranges";

const input = {
  apex: "renfort.gouv.fr",
  mainHost: "www.renfort-benevoles.fr",
  cloudflareRanges: cloudflareRanges(),
  originAuth: { header: ORIGIN_AUTH_HEADER, values: ["current-value"] },
};

describe("originAcls", () => {
  const acls = originAcls(input);
  const on = (frontend: "https" | "http") => acls.filter((a) => a.frontend === frontend).sort((a, b) => a.index - b.index);

  it("orders the 443 ACLs: apex redirect, internal paths denied, other hosts denied, main host from Cloudflare with the origin-auth header, then deny", () => {
    expect(on("https").map((a) => [a.index, a.key, a.action.type])).toEqual([
      [0, "https-apex-redirect", "redirect"],
      [1, "https-deny-internal-paths", "deny"],
      [2, "https-deny-other-hosts", "deny"],
      [3, "https-main-from-cloudflare", "allow"],
      [4, "https-deny-rest", "deny"],
    ]);
  });

  it.each([
    ["one value", ["current-value"]],
    ["a rotation: current and previous", ["new-value", "old-value"]],
  ])("allows the main host only with the origin-auth header (%s), any of the accepted values", (_label, values) => {
    const allows = originAcls({ ...input, originAuth: { header: ORIGIN_AUTH_HEADER, values } }).filter((a) => a.frontend === "https" && a.action.type === "allow");
    expect(allows.map((a) => a.match)).toEqual([
      { ipSubnets: [...CLOUDFLARE_IPS.ipv4, ...CLOUDFLARE_IPS.ipv6], httpFilter: "http_header_match", httpFilterOption: "x-renfort-origin-auth", httpFilterValues: values },
    ]);
  });

  it("denies /readyz before the Cloudflare allow, whatever the source", () => {
    const deny = acls.find((a) => a.key === "https-deny-internal-paths")!;
    expect(deny.match).toEqual({ httpFilter: "path_begin", httpFilterValues: ["/readyz"] });
    expect(deny.index).toBeLessThan(acls.find((a) => a.key === "https-main-from-cloudflare")!.index);
  });

  it("denies every Host but the main host before the allow (one Scaleway ACL matches one HTTP filter)", () => {
    expect(acls.find((a) => a.key === "https-deny-other-hosts")?.match).toEqual({
      httpFilter: "http_header_match",
      httpFilterOption: "host",
      httpFilterValues: ["www.renfort-benevoles.fr"],
      invert: true,
    });
  });

  it("on 80, sends the apex straight to the main host in https, then everything else to https (no ACME pass-through: the apex certificate is DNS-01)", () => {
    expect(on("http")).toEqual([
      {
        key: "http-apex-redirect",
        frontend: "http",
        index: 0,
        description: expect.any(String),
        action: { type: "redirect", redirects: [{ type: "location", target: "https://www.renfort-benevoles.fr/{{path}}?{{query}}", code: 301 }] },
        match: { httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: ["renfort.gouv.fr"] },
      },
      {
        key: "http-to-https",
        frontend: "http",
        index: 1,
        description: expect.any(String),
        action: { type: "redirect", redirects: [{ type: "scheme", target: "https", code: 301 }] },
        match: { ipSubnets: ["0.0.0.0/0", "::/0"] },
      },
    ]);
  });

  it("uses unique indexes and keys per frontend", () => {
    for (const f of ["https", "http"] as const) {
      const idx = on(f).map((a) => a.index);
      expect(new Set(idx).size).toBe(idx.length);
    }
    expect(new Set(acls.map((a) => a.key)).size).toBe(acls.length);
  });

  it.each([
    ["apex redirect", "https-apex-redirect", { httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: ["renfort.gouv.fr"] }],
    [
      "origin lock",
      "https-main-from-cloudflare",
      { ipSubnets: [...CLOUDFLARE_IPS.ipv4, ...CLOUDFLARE_IPS.ipv6], httpFilter: "http_header_match", httpFilterOption: "x-renfort-origin-auth", httpFilterValues: ["current-value"] },
    ],
    ["final deny", "https-deny-rest", { ipSubnets: [...ANY_SOURCE] }],
  ])("matches the %s on the right values", (_label, key, match) => {
    expect(acls.find((a) => a.key === key)?.match).toEqual(match);
  });

  it("redirects the apex with a 301 location to the main host", () => {
    const apex = acls.find((a) => a.key === "https-apex-redirect");
    expect(apex?.action).toEqual({ type: "redirect", redirects: [{ type: "location", target: "https://www.renfort-benevoles.fr/{{path}}?{{query}}", code: 301 }] });
  });

  it("never lets the main host through without a Cloudflare source", () => {
    // On 80 nothing is allowed: every request is redirected, nothing reaches the backend in clear.
    expect(on("http").filter((a) => a.action.type === "allow")).toEqual([]);
    const allow = on("https").filter((a) => a.action.type === "allow");
    expect(allow).toHaveLength(1);
    expect(allow[0].match.ipSubnets).not.toContain("0.0.0.0/0");
    expect(allow[0].match.ipSubnets).toHaveLength(22);
  });

  it.each([
    ["a bad apex", { apex: "Renfort.gouv.fr." }, "`apex` must be a lower-case host name"],
    ["a bad main host", { mainHost: "" }, "`mainHost` must be a lower-case host name"],
    ["the same host twice", { apex: "www.renfort-benevoles.fr" }, "`apex` and `mainHost` must differ"],
    ["no Cloudflare range", { cloudflareRanges: [] }, "the Cloudflare ranges (data/cloudflare-ips.json) must not be empty"],
    ["no accepted value", { originAuth: { header: ORIGIN_AUTH_HEADER, values: [] } }, "the origin-auth header takes one accepted value, or two during a rotation"],
    ["three accepted values", { originAuth: { header: ORIGIN_AUTH_HEADER, values: ["a", "b", "c"] } }, "got 3"],
    ["a header name with a space", { originAuth: { header: "x origin", values: ["a"] } }, "the origin-auth header name must be a lower-case HTTP field name"],
    ["an upper-case header name", { originAuth: { header: "X-Origin", values: ["a"] } }, "the origin-auth header name must be a lower-case HTTP field name"],
    ["Host as the header", { originAuth: { header: "host", values: ["a"] } }, "the origin-auth header cannot be Host"],
  ])("rejects %s", (_label, change, message) => {
    expect(() => originAcls({ ...input, ...change })).toThrow(message);
  });
});

describe("apex redirect target", () => {
  // What Scaleway substitutes is not observable offline: these pin the literal target sent to the API and
  // its match with the two forms Scaleway documents for "same path and query, other host".
  it("is the literal location sent to the load balancer API", () => {
    expect(apexRedirectTarget("www.renfort-benevoles.fr")).toBe("https://www.renfort-benevoles.fr/{{path}}?{{query}}");
  });

  it.each([
    // https://www.scaleway.com/en/docs/load-balancer/how-to/create-manage-acls/ (step 8, "Define custom"):
    // "Define a custom URI to direct to, in the format `https://{{host}}/{{path}}?{{query}}`"
    ["{{host}}", "https://{{host}}/{{path}}?{{query}}"],
    // https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/#redirecting-to-a-different-uri:
    // "a URI with a custom host www.myblog.com, but retain the same path and query parameters" -> this target
    ["www.myblog.com", "https://www.myblog.com/{{path}}?{{query}}"],
  ])("has the shape of Scaleway's documented example for host %s", (host, documented) => {
    expect(apexRedirectTarget(host)).toBe(documented);
  });
});
