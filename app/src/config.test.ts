import { ConfigError, loadConfig } from "./config";

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
  [{ PG_POOL_SIZE: "4", PG_POOL_MIN: "5" }, /^PG_POOL_MIN must not exceed PG_POOL_SIZE \(4\), got 5: lower it or raise PG_POOL_SIZE$/],
  [{ BODY_LIMIT_BYTES: "1e9" }, /^BODY_LIMIT_BYTES must be an integer/],
  [{ OUTBOX_WORKER: "on", PUBLIC_URL: "https://renfort.example.org" }, /^SMTP_URL is required when OUTBOX_WORKER=on/],
  [{ OUTBOX_WORKER: "on", SMTP_URL: "smtp://localhost:1025" }, /^PUBLIC_URL is required when OUTBOX_WORKER=on/],
  [{ PUBLIC_URL: "http://renfort.example.org" }, /^PUBLIC_URL must be the service's https origin/],
  [{ PUBLIC_URL: "https://renfort.example.org/app" }, /^PUBLIC_URL must be the service's https origin/],
  [{ PUBLIC_URL: "https://user:pw@renfort.example.org" }, /^PUBLIC_URL must be the service's https origin/],
  [{ MAIL_RECIPIENT_DAILY_CAP: "0" }, /^MAIL_RECIPIENT_DAILY_CAP must be an integer between 1/],
  [{ MAIL_DOMAIN_HOURLY_CAP: "many" }, /^MAIL_DOMAIN_HOURLY_CAP must be an integer/],
  [{ MAIL_FROM: "nobody" }, /^MAIL_FROM must be an address/],
])("%j is rejected with a message naming the variable", (env, message) => {
  const p = problems(env as Record<string, string>);
  expect(p).toHaveLength(1);
  expect(p[0]).toMatch(message);
});

test("mail settings: PUBLIC_URL kept as its origin, the sending caps' defaults", () => {
  expect(loadConfig({ PUBLIC_URL: "https://renfort.example.org/" })).toMatchObject({ publicUrl: "https://renfort.example.org", mailRecipientDailyCap: 5, mailDomainHourlyCap: 500000 });
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

test("the degraded-mode switch's settings: instance id and re-read period", () => {
  const c = loadConfig({});
  expect(c.degradedModePollMs).toBe(1000);
  expect(c.instanceId).toMatch(/-\d+$/);
  expect(loadConfig({ INSTANCE_ID: "app-1", DEGRADED_MODE_POLL_MS: "500" })).toMatchObject({ instanceId: "app-1", degradedModePollMs: 500 });
  expect(problems({ INSTANCE_ID: "a b", DEGRADED_MODE_POLL_MS: "10" })).toEqual([
    expect.stringMatching(/^DEGRADED_MODE_POLL_MS must be an integer between 100 and 60000/),
    expect.stringMatching(/^INSTANCE_ID must be 1 to 100 letters/),
  ]);
});
