import { databaseUrlProblems, libpqCompatUrl, tlsProblem } from "./db";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const files: Record<string, string> = { "/etc/renfort/database-ca.pem": PEM, "/etc/renfort/empty.pem": "" };
const readFile = (p: string): string => {
  if (p in files) return files[p]!;
  throw Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: "ENOENT" });
};
const base = "postgres://app:s3cret-pw@10.0.0.5:5432/renfort";

describe("databaseUrlProblems: libpq's sslmode and sslrootcert", () => {
  it.each([
    ["no TLS parameter (local development)", "", []],
    ["disable", "?sslmode=disable", []],
    ["require", "?sslmode=require", []],
    ["verify-ca with the CA file", "?sslmode=verify-ca&sslrootcert=/etc/renfort/database-ca.pem", []],
    ["verify-full with the CA file", "?sslmode=verify-full&sslrootcert=/etc/renfort/database-ca.pem", []],
    ["uselibpqcompat=true already there", "?sslmode=verify-ca&sslrootcert=/etc/renfort/database-ca.pem&uselibpqcompat=true", []],
    ["prefer", "?sslmode=prefer", [/sslmode "prefer" is not accepted \(libpq may fall back to an unencrypted connection/]],
    ["allow", "?sslmode=allow", [/sslmode "allow" is not accepted/]],
    ["no-verify (node-postgres only)", "?sslmode=no-verify", [/a node-postgres-only value/]],
    ["verify-ca without sslrootcert", "?sslmode=verify-ca", [/sslmode=verify-ca needs sslrootcert=<path/]],
    ["verify-full without sslrootcert", "?sslmode=verify-full", [/sslmode=verify-full needs sslrootcert/]],
    ["a missing CA file", "?sslmode=verify-ca&sslrootcert=/nope.pem", [/sslrootcert \/nope.pem cannot be read \(ENOENT\)/]],
    ["a file that is no certificate", "?sslmode=verify-ca&sslrootcert=/etc/renfort/empty.pem", [/holds no PEM certificate/]],
    ["sslrootcert=system", "?sslmode=verify-full&sslrootcert=system", [/read as a file named "system"/]],
    ["uselibpqcompat=false", "?sslmode=require&uselibpqcompat=false", [/uselibpqcompat must be "true" or absent/]],
  ])("%s", (_label, query, expected) => {
    const problems = databaseUrlProblems(base + query, readFile);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(problems[i]).toMatch(re));
    for (const p of problems) expect(p).not.toContain("s3cret-pw");
  });
});

describe("libpqCompatUrl", () => {
  it.each([
    [`${base}`, `${base}`],
    [`${base}?sslmode=require`, `${base}?sslmode=require&uselibpqcompat=true`],
    [`${base}?sslmode=verify-ca&sslrootcert=/a%20b/ca.pem`, `${base}?sslmode=verify-ca&sslrootcert=/a%20b/ca.pem&uselibpqcompat=true`],
    [`${base}?sslmode=require&uselibpqcompat=true`, `${base}?sslmode=require&uselibpqcompat=true`],
    ["postgres://u:p%40ss@h/db?application_name=x", "postgres://u:p%40ss@h/db?application_name=x"],
  ])("%s -> %s", (input, output) => expect(libpqCompatUrl(input)).toBe(output));
});

describe("tlsProblem", () => {
  it.each([
    [{ code: "SELF_SIGNED_CERT_IN_CHAIN", message: "self-signed certificate in certificate chain" }, /TLS certificate was refused \(SELF_SIGNED_CERT_IN_CHAIN/],
    [{ code: "ERR_TLS_CERT_ALTNAME_INVALID", message: "Hostname/IP does not match" }, /ERR_TLS_CERT_ALTNAME_INVALID/],
    [{ code: "CERT_HAS_EXPIRED", message: "certificate has expired" }, /CERT_HAS_EXPIRED/],
    [{ message: "The server does not support SSL connections" }, /does not accept TLS/],
    [{ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }, undefined],
    [{ code: "57P03", message: "the database system is starting up" }, undefined],
  ])("%j", (err, expected) => {
    const p = tlsProblem(err);
    if (expected === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(expected);
  });
});
