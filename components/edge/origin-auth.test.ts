import { originAuthRule, ORIGIN_AUTH_RULESET } from "./origin-auth";
import { evaluate, parse } from "./expressions";

describe("originAuthRule", () => {
  const rule = originAuthRule("www.renfort-benevoles.fr", "x-renfort-origin-auth", "the-value");

  it("sets the header to the value with a rewrite in the late request-transform phase", () => {
    expect(ORIGIN_AUTH_RULESET.phase).toBe("http_request_late_transform");
    expect(rule).toEqual({
      ref: "origin_auth_header",
      description: expect.stringContaining("x-renfort-origin-auth"),
      expression: 'http.host eq "www.renfort-benevoles.fr"',
      action: "rewrite",
      enabled: true,
      actionParameters: { headers: { "x-renfort-origin-auth": { operation: "set", value: "the-value" } } },
    });
  });

  it.each([
    ["www.renfort-benevoles.fr", true],
    ["other.renfort-benevoles.fr", false],
  ])("matches requests for %s: %s", (host, expected) => {
    expect(evaluate(parse(rule.expression), { method: "GET", path: "/", host })).toBe(expected);
  });

  it("never puts the value in the description or the expression", () => {
    expect(rule.description).not.toContain("the-value");
    expect(rule.expression).not.toContain("the-value");
  });

  it.each([
    ["X-Renfort-Origin-Auth", "lower-case HTTP field name"],
    ["x renfort", "lower-case HTTP field name"],
    ["cf-origin-auth", "cannot be a cf-* header"],
  ])("refuses the header name %s", (header, message) => {
    expect(() => originAuthRule("www.renfort-benevoles.fr", header, "v")).toThrow(message);
  });
});
