import {
  DATABASE_CA_PATH,
  PASSWORD_ARGS,
  adminAccessProblems,
  adminCidrProblem,
  adminEndpointOf,
  assertAdminAccess,
  formatEndpoint,
  postgresUrl,
  privateEndpointOf,
  withVerifiedTls,
} from "./connection";

describe("adminCidrProblem", () => {
  it.each([
    ["203.0.113.16/29", undefined],
    ["198.51.100.7/32", undefined],
    ["10.20.0.0/16", undefined],
    ["0.0.0.0/0", /whole internet/],
    ["10.0.0.0/0", /whole internet/],
    ["0.0.0.0/1", /\/16 or narrower/],
    ["128.0.0.0/1", /\/16 or narrower/],
    ["10.0.0.0/8", /\/16 or narrower/],
    ["2001:db8::/32", /IPv4 CIDR/],
    ["203.0.113.16", /IPv4 CIDR/],
  ])("%s -> %s", (cidr, expected) => {
    const problem = adminCidrProblem(cidr);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe("adminAccessProblems / assertAdminAccess", () => {
  it.each([
    [{ mode: "acl" as const, allowedCidrs: ["203.0.113.16/29"] }, []],
    [{ mode: "private" as const, allowedCidrs: [] }, []],
    [{ mode: "acl" as const, allowedCidrs: [] }, ["adminAccess.allowedCidrs"]],
    [{ mode: "private" as const, allowedCidrs: ["203.0.113.16/29"] }, ["adminAccess.allowedCidrs"]],
    [{ mode: "acl" as const, allowedCidrs: ["203.0.113.16/29", "0.0.0.0/0"] }, ["adminAccess.allowedCidrs.1"]],
  ])("%j -> problems at %j", (access, paths) => {
    expect(adminAccessProblems(access).map((p) => p.path.join("."))).toEqual(paths);
  });

  it("throws a message naming the argument and the fix", () => {
    expect(() => assertAdminAccess({ mode: "acl", allowedCidrs: ["0.0.0.0/0"] })).toThrow(
      '  - adminAccess.allowedCidrs[0] must not open the admin endpoint to the whole internet: list the operators\' egress CIDRs, got "0.0.0.0/0"',
    );
    expect(() => assertAdminAccess({ mode: "acl", allowedCidrs: ["203.0.113.16/29"] })).not.toThrow();
  });
});

describe("endpoints", () => {
  const both = { privateNetwork: { ip: "172.16.0.42", port: 5432 }, loadBalancer: { ip: "51.159.1.2", port: 1234 } };
  it("the fleet always gets the private endpoint", () => {
    expect(privateEndpointOf(both)).toEqual({ host: "172.16.0.42", port: 5432 });
  });
  it("the provider uses the public endpoint only in acl mode", () => {
    expect(adminEndpointOf("acl", both)).toEqual({ host: "51.159.1.2", port: 1234 });
    expect(adminEndpointOf("private", both)).toEqual({ host: "172.16.0.42", port: 5432 });
  });
  it("explains a missing endpoint", () => {
    expect(() => adminEndpointOf("acl", { privateNetwork: both.privateNetwork })).toThrow(/adminAccess.mode is acl .* loadBalancer: \{\}/);
    expect(() => privateEndpointOf({ loadBalancer: both.loadBalancer })).toThrow(/enableIpam: true/);
  });
  it.each([
    [{ host: "172.16.0.42", port: 5432 }, "172.16.0.42:5432"],
    [{ host: "fd00::1", port: 5432 }, "[fd00::1]:5432"],
  ])("formats %j as %s", (e, s) => expect(formatEndpoint(e)).toBe(s));
});

describe("postgresUrl", () => {
  it("percent-encodes the user and password and requires TLS", () => {
    const url = postgresUrl({ user: "renfort_app", password: "a:b@c/d?e#f%", endpoint: { host: "172.16.0.42", port: 5432 }, database: "renfort", sslmode: "require" });
    expect(url).toBe("postgres://renfort_app:a%3Ab%40c%2Fd%3Fe%23f%25@172.16.0.42:5432/renfort?sslmode=require");
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.password)).toBe("a:b@c/d?e#f%");
    expect(parsed.hostname).toBe("172.16.0.42");
    expect(parsed.searchParams.get("sslmode")).toBe("require");
  });
});

describe("verified TLS in the connection strings", () => {
  const parts = { user: "renfort_app", password: "p@ss", endpoint: { host: "172.16.0.42", port: 5432 }, database: "renfort" };

  it("renders sslmode=verify-ca with the CA file as sslrootcert, readable by URL parsers", () => {
    const url = postgresUrl({ ...parts, sslmode: "verify-ca", sslrootcert: DATABASE_CA_PATH });
    expect(url).toBe("postgres://renfort_app:p%40ss@172.16.0.42:5432/renfort?sslmode=verify-ca&sslrootcert=/etc/renfort/database-ca.pem");
    expect(new URL(url).searchParams.get("sslrootcert")).toBe("/etc/renfort/database-ca.pem");
  });

  it("refuses verify-* without a CA file, and a relative path", () => {
    expect(() => postgresUrl({ ...parts, sslmode: "verify-full" })).toThrow(/needs sslrootcert/);
    expect(() => postgresUrl({ ...parts, sslmode: "verify-ca", sslrootcert: "ca.pem" })).toThrow(/absolute file path/);
  });

  it.each([
    ["postgres://a:b@h:5432/d?sslmode=require", undefined, undefined, "postgres://a:b@h:5432/d?sslmode=verify-ca&sslrootcert=/etc/renfort/database-ca.pem"],
    ["postgres://a:b@h:5432/d", "/run/ca dir/ca.pem", "verify-full" as const, "postgres://a:b@h:5432/d?sslmode=verify-full&sslrootcert=/run/ca%20dir/ca.pem"],
    ["postgres://a:b@h/d?application_name=x&sslrootcert=/old.pem&sslmode=disable", undefined, undefined, "postgres://a:b@h/d?application_name=x&sslmode=verify-ca&sslrootcert=/etc/renfort/database-ca.pem"],
  ])("withVerifiedTls(%s, %s, %s)", (url, path, mode, expected) => {
    expect(withVerifiedTls(url, path, mode)).toBe(expected);
    expect(new URL(expected).searchParams.getAll("sslmode")).toHaveLength(1);
  });
});

describe("PASSWORD_ARGS", () => {
  it("meets Scaleway's rule: 8-128 chars, upper, lower, digit and special from its allowed set", () => {
    const allowed = "!@#$%^&*()_+-=[]{}|;:,.<>?";
    expect(PASSWORD_ARGS.length).toBeGreaterThanOrEqual(8);
    expect(PASSWORD_ARGS.length).toBeLessThanOrEqual(128);
    expect([PASSWORD_ARGS.minUpper, PASSWORD_ARGS.minLower, PASSWORD_ARGS.minNumeric, PASSWORD_ARGS.minSpecial].every((n) => Number(n) >= 1)).toBe(true);
    for (const c of String(PASSWORD_ARGS.overrideSpecial)) expect(allowed).toContain(c);
  });
});
