import { ConfigError, loadConfig, parseEnvFile, readDegradedMode } from "./config";

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

test("defaults are the safe values", () => {
  const c = loadConfig({});
  expect(c).toMatchObject({ port: 8080, degraded: false, trustedProxies: [], outboxWorker: false, pgPoolSize: 20, bodyLimitBytes: 16384, databaseSchema: "renfort" });
  expect(c.adminToken).toBeUndefined();
});

test.each([
  [{ PORT: "http" }, /^PORT must be an integer between 0 and 65535/],
  [{ PORT: "70000" }, /^PORT must be an integer/],
  [{ DATABASE_SCHEMA: "Renfort" }, /^DATABASE_SCHEMA must be a lower-case PostgreSQL identifier/],
  [{ DATABASE_SCHEMA: "renfort; DROP TABLE x" }, /^DATABASE_SCHEMA must be a lower-case PostgreSQL identifier/],
  [{ DATABASE_SCHEMA: "" }, /^DATABASE_SCHEMA must be a lower-case PostgreSQL identifier/],
  [{ DATABASE_SCHEMA: "pg_temp" }, /^DATABASE_SCHEMA must not be a system schema/],
  [{ DATABASE_URL: "mysql://x" }, /^DATABASE_URL must be a postgres:\/\/ URL/],
  [{ TRUSTED_PROXIES: "10.0.0.0/8, nope" }, /^TRUSTED_PROXIES has "nope"/],
  [{ DEGRADED_MODE: "yes" }, /^DEGRADED_MODE must be "on" or "off"/],
  [{ SMTP_URL: "http://x" }, /^SMTP_URL must be an smtp:\/\//],
  [{ ADMIN_TOKEN: "short" }, /^ADMIN_TOKEN must be at least 32 characters/],
  [{ PG_POOL_SIZE: "0" }, /^PG_POOL_SIZE must be an integer between 1 and 500, got 0/],
  [{ BODY_LIMIT_BYTES: "1e9" }, /^BODY_LIMIT_BYTES must be an integer/],
  [{ OUTBOX_WORKER: "on" }, /^SMTP_URL is required when OUTBOX_WORKER=on/],
  [{ MAIL_FROM: "nobody" }, /^MAIL_FROM must be an address/],
])("%j is rejected with a message naming the variable", (env, message) => {
  const p = problems(env as Record<string, string>);
  expect(p).toHaveLength(1);
  expect(p[0]).toMatch(message);
});

test.each(["renfort", "app_v2", "_x"])("DATABASE_SCHEMA=%s is accepted", (schema) => {
  expect(loadConfig({ DATABASE_SCHEMA: schema }).databaseSchema).toBe(schema);
});

test("a secret's value is never echoed back", () => {
  const p = problems({ ADMIN_TOKEN: "hunter2-secret" });
  expect(p.join(" ")).not.toContain("hunter2");
});

test("all problems are reported at once", () => {
  expect(problems({ PORT: "x", DEGRADED_MODE: "maybe", PG_POOL_SIZE: "-1" })).toHaveLength(3);
});

test("parseEnvFile", () => {
  expect(parseEnvFile("# BEGIN renfort plain env\nDEGRADED_MODE=on\nexport PORT = 8080\nMAIL_FROM=\"R <a@b.fr>\"\n\nbad line\n")).toEqual({
    DEGRADED_MODE: "on",
    PORT: "8080",
    MAIL_FROM: "R <a@b.fr>",
  });
});

describe("readDegradedMode (SIGHUP)", () => {
  test.each([
    [{}, undefined, { ok: true, degraded: false }],
    [{ DEGRADED_MODE: "on" }, undefined, { ok: true, degraded: true }],
    [{ DEGRADED_MODE: "off", RUNTIME_ENV_FILE: "/f" }, "DEGRADED_MODE=on\n", { ok: true, degraded: true }],
    [{ DEGRADED_MODE: "on", RUNTIME_ENV_FILE: "/f" }, "DEGRADED_MODE=off\n", { ok: true, degraded: false }],
    [{ RUNTIME_ENV_FILE: "/f" }, "DEGRADED_MODE=maybe\n", { ok: false }],
  ])("%j + file %j", (env, file, expected) => {
    const read = (_p: string) => {
      if (file === undefined) throw new Error("ENOENT");
      return file;
    };
    expect(readDegradedMode(env, read)).toMatchObject(expected);
  });
  test("an unreadable file keeps the current mode (error, not a throw)", () => {
    const r = readDegradedMode({ RUNTIME_ENV_FILE: "/nope" }, () => {
      throw new Error("ENOENT");
    });
    expect(r).toMatchObject({ ok: false });
  });
});
