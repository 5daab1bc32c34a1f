import { pgSslmodeLibpq as policy, postgresUrlsIn, sslmodeProblem } from "./pg-sslmode-libpq";
import { SECRET_VALUE, fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const url = (query: string) => `postgres://renfort_app:${encodeURIComponent(SECRET_VALUE)}@172.16.0.42:5432/renfort${query}`;
/** A template whose secret env holds DATABASE_URL, as the fleet's cloud-init writes it. */
const withUrl = (query: string) =>
  fx.template(fx.cloudInit().replace(`DATABASE_PASSWORD=${SECRET_VALUE}`, `DATABASE_URL=${url(query)}\n      ADMIN_TOKEN=${SECRET_VALUE}`));
const defaults = { clientAddsLibpqCompat: true, allowRequire: false };
const VERIFIED = "?sslmode=verify-ca&sslrootcert=/etc/renfort/database-ca.pem";

describe("pg-sslmode-libpq", () => {
  test("passes for verify-ca with the instance's CA file", () => expectPass(policy, withUrl(VERIFIED)));
  test("passes for verify-full with the CA file", () => expectPass(policy, withUrl("?sslmode=verify-full&sslrootcert=/etc/renfort/database-ca.pem")));
  test("passes for a template without a PostgreSQL URL", () => expectPass(policy, fx.template()));
  test("fails for sslmode=require (read as verify-full by node-postgres, unverified by libpq)", () =>
    expectViolation(policy, withUrl("?sslmode=require"), "DATABASE_URL in the cloud-init has sslmode=require: the connection is encrypted but the server is not verified"));
  test("fails for verify-full without sslrootcert", () =>
    expectViolation(policy, withUrl("?sslmode=verify-full"), "has sslmode=verify-full without sslrootcert"));
  test("fails for a URL without sslmode", () => expectViolation(policy, withUrl(""), "has no sslmode"));
  test("fails in a container's environment", () =>
    expectViolation(policy, fx.container({ environmentVariables: { DATABASE_URL: url("?sslmode=prefer") } }), "DATABASE_URL in the container environment has sslmode=prefer"));
  test("passes require when allowed", () => expectPass(policy, withUrl("?sslmode=require"), { allowRequire: true }));

  test.each([
    ["?sslmode=require", { clientAddsLibpqCompat: false }, /without uselibpqcompat=true: node-postgres reads it as verify-full against Node's CA store/],
    ["?sslmode=require&uselibpqcompat=true", { clientAddsLibpqCompat: false }, /encrypted but the server is not verified/],
    [`${VERIFIED}`, { clientAddsLibpqCompat: false }, /verify-ca without uselibpqcompat=true/],
    [`${VERIFIED}&uselibpqcompat=true`, { clientAddsLibpqCompat: false }, undefined],
    ["?sslmode=verify-ca", {}, /without sslrootcert/],
    ["?sslmode=verify-full&sslrootcert=system", {}, /sslrootcert=system/],
    ["?sslmode=no-verify", {}, /node-postgres-only value/],
    ["?sslmode=allow", {}, /may fall back to an unencrypted connection/],
    ["?sslmode=strict", {}, /not a libpq sslmode/],
    ["?sslmode=disable", {}, undefined],
  ])("sslmodeProblem(%s, %j)", (query, config, expected) => {
    const p = sslmodeProblem(url(query), { ...defaults, ...config });
    if (expected === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(expected);
    expect(p ?? "").not.toContain(encodeURIComponent(SECRET_VALUE));
  });

  test("finds every URL with its variable, quoted or not", () => {
    expect(postgresUrlsIn(`A=postgres://a@h/d?sslmode=require\nB="postgresql://b@h/d"\n  - psql postgres://c@h/d`)).toEqual([
      { key: "A", url: "postgres://a@h/d?sslmode=require" },
      { key: "B", url: "postgresql://b@h/d" },
      { key: undefined, url: "postgres://c@h/d" },
    ]);
  });
});
