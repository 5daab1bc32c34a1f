import { envNoPlainSecrets as policy } from "./env-no-plain-secrets";
import { SECRET_VALUE, fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const env = (line: string) => fx.template(fx.cloudInit(`NODE_ENV=production\n${line}`));

describe("env-no-plain-secrets", () => {
  test("passes when secrets are only in the secret block", () => expectPass(policy, [fx.template(), fx.container()]));
  test("fails for a secret-like name in the plain block", () => expectViolation(policy, env(`SESSION_SECRET=${SECRET_VALUE}`), "SESSION_SECRET in the cloud-init plain env block has a secret-like name"));
  test("fails for credentials in a URL", () => expectViolation(policy, env(`DATABASE_URL=postgres://app:${SECRET_VALUE}@db:5432/app`), "URL with embedded credentials"));
  test("fails for a private key", () => expectViolation(policy, env("TLS_KEY_PEM=-----BEGIN PRIVATE KEY-----abc"), "holds a private key"));
  test("fails for a high-entropy value", () => expectViolation(policy, env("SOME_VALUE=Zk8pQ2vN7rT4wX9yB3mC6dF1gH5jK0aa"), "high-entropy"));
  test("fails in container environmentVariables", () =>
    expectViolation(policy, fx.container({ environmentVariables: { API_TOKEN: SECRET_VALUE } }), "API_TOKEN in environmentVariables"));
  test("passes for an allow-listed key", () => expectPass(policy, env("TOKEN_TTL_SECONDS=3600"), { allowKeys: ["TOKEN_TTL_SECONDS"] }));
});
