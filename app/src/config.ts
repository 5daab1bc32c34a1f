import { hostname } from "node:os";
import { z } from "zod";
import { parseCidrList, type Cidr } from "./client-ip";
import { databaseUrlProblems } from "./db";

/**
 * The app reads its configuration from the environment only (12-factor), once at start, and fails
 * with a message naming each bad variable and the fix. DEGRADED_MODE is only the default of the
 * fleet-wide degraded-mode switch, which lives in the database (src/degraded-mode.ts).
 */

const onOff = z.enum(["on", "off"], { error: 'must be "on" or "off"' });

function intIn(min: number, max: number, dflt: number) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return dflt;
      if (!/^\d+$/.test(v.trim())) {
        ctx.addIssue({ code: "custom", message: `must be an integer between ${min} and ${max}, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v.trim());
      if (n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be an integer between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });
}

const postgresUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "postgres:" || u.protocol === "postgresql:";
    } catch {
      return false;
    }
  }, "must be a postgres:// URL, e.g. postgres://app@10.0.0.5:5432/renfort");

/**
 * The schema the tables live in. On Scaleway it is `renfort`, owned by the migrator, and no role may
 * create in `public` (components/database/README.md). Lower-case identifiers only, so the name never
 * needs case-sensitive quoting; `pg_` is reserved for system schemas.
 * https://www.postgresql.org/docs/current/ddl-schemas.html
 */
export const DEFAULT_DATABASE_SCHEMA = "renfort";
const schemaName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL identifier (letters, digits, _; at most 63), e.g. renfort")
  .refine((v) => !v.startsWith("pg_") && v !== "information_schema", "must not be a system schema (pg_*, information_schema)");

const smtpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === "smtp:" || u.protocol === "smtps:";
  } catch {
    return false;
  }
}, "must be an smtp:// or smtps:// URL, e.g. smtps://user:pass@smtp.tem.scw.cloud:465");

/**
 * The service's public origin, for the links mails carry (the activation link): https, no path,
 * query or credentials. https://developer.mozilla.org/docs/Web/API/URL/origin
 */
const publicUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "https:" && u.username === "" && u.password === "" && (u.pathname === "/" || u.pathname === "") && u.search === "" && u.hash === "";
    } catch {
      return false;
    }
  }, "must be the service's https origin with no path, e.g. https://renfort.example.org (the activation links mailed point to it)")
  .transform((v) => new URL(v).origin);

const envSchema = z
  .object({
    PORT: intIn(0, 65535, 8080),
    HOST: z.string().min(1).default("0.0.0.0"),
    DATABASE_URL: postgresUrl
      .superRefine((v, ctx) => {
        // libpq's sslmode / sslrootcert, with libpq's meaning (db.ts): a bad value or a missing CA
        // file stops the start here, naming the parameter, never echoing the URL (it holds a password)
        for (const message of databaseUrlProblems(v)) ctx.addIssue({ code: "custom", message });
      })
      .optional(),
    DATABASE_SCHEMA: schemaName.default(DEFAULT_DATABASE_SCHEMA),
    TRUSTED_PROXIES: z
      .string()
      .default("")
      .transform((v, ctx) => {
        const parsed = parseCidrList(v);
        if (!parsed.ok) {
          ctx.addIssue({ code: "custom", message: parsed.error });
          return z.NEVER;
        }
        return parsed.value;
      }),
    DEGRADED_MODE: onOff.default("off"),
    DEGRADED_MODE_POLL_MS: intIn(100, 60000, 1000),
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, "must be 1 to 100 letters, digits, dots, colons, dashes or underscores, e.g. renfort-app-7f3a")
      .optional(),
    SMTP_URL: smtpUrl.optional(),
    MAIL_FROM: z
      .string()
      .regex(/^(?:[^<>\r\n]*<)?[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>?$/, "must be an address such as Renfort <no-reply@example.org>")
      .default("Renfort <no-reply@renfort.localhost>"),
    ADMIN_ALLOWED_CIDRS: z
      .string()
      .default("127.0.0.0/8,::1/128")
      .transform((v, ctx) => {
        const parsed = parseCidrList(v);
        if (!parsed.ok) {
          ctx.addIssue({ code: "custom", message: parsed.error });
          return z.NEVER;
        }
        if (parsed.value.some((c) => c.prefix === 0)) {
          ctx.addIssue({ code: "custom", message: "must not hold 0.0.0.0/0 or ::/0: the admin API is for the operators' addresses, never internet-wide" });
          return z.NEVER;
        }
        return parsed.value;
      }),
    ADMIN_TOKEN: z.string().min(32, "must be at least 32 characters (generate one with `openssl rand -hex 32`)").optional(),
    PG_POOL_SIZE: intIn(1, 500, 20),
    // connections opened at start and never closed for idleness (the fleet sets it to PG_POOL_SIZE)
    PG_POOL_MIN: intIn(0, 500, 0),
    PG_POOL_WAIT_MS: intIn(50, 60000, 2000),
    PG_STATEMENT_TIMEOUT_MS: intIn(100, 600000, 5000),
    // Backstops behind the edge's limits; the fleet sets them from renfort:edge.rateLimits. The defaults
    // are twice the prod edge's (120 signups, 300 other writes a minute).
    RATE_LIMIT_SIGNUP_PER_MINUTE: intIn(1, 1000000, 240),
    RATE_LIMIT_WRITE_PER_MINUTE: intIn(1, 1000000, 600),
    RATE_LIMIT_READ_PER_MINUTE: intIn(1, 1000000, 600),
    BODY_LIMIT_BYTES: intIn(256, 1048576, 16384),
    REQUEST_TIMEOUT_MS: intIn(1000, 600000, 15000),
    MAX_EVENT_LOOP_DELAY_MS: intIn(0, 60000, 500),
    MAX_POOL_QUEUE: intIn(0, 100000, 200),
    READINESS_PROBE_MS: intIn(100, 60_000, 2000),
    READINESS_GRACE_MS: intIn(0, 3_600_000, 90_000),
    // at least the load balancers' check interval x retries (5 s x 3, components/origin), and with the
    // close that follows, under the 25 s hard exit and docker's 30 s stop timeout (components/fleet/cloud-init.ts)
    SHUTDOWN_DRAIN_MS: intIn(0, 20_000, 16_000),
    OUTBOX_WORKER: onOff.default("off"),
    PUBLIC_URL: publicUrl.optional(),
    MAIL_RECIPIENT_DAILY_CAP: intIn(1, 1_000_000, 5),
    MAIL_DOMAIN_HOURLY_CAP: intIn(1, 100_000_000, 500_000),
    OUTBOX_LEASE_MS: intIn(1000, 3_600_000, 60_000),
    SMTP_CONNECTION_TIMEOUT_MS: intIn(100, 600_000, 10_000),
    SMTP_GREETING_TIMEOUT_MS: intIn(100, 600_000, 10_000),
    SMTP_SOCKET_TIMEOUT_MS: intIn(100, 600_000, 20_000),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.OUTBOX_WORKER === "on" && env.SMTP_URL === undefined) {
      ctx.addIssue({ code: "custom", path: ["SMTP_URL"], message: "is required when OUTBOX_WORKER=on" });
    }
    if (env.OUTBOX_WORKER === "on" && env.PUBLIC_URL === undefined) {
      ctx.addIssue({ code: "custom", path: ["PUBLIC_URL"], message: "is required when OUTBOX_WORKER=on: the activation links mailed point to it, e.g. PUBLIC_URL=https://renfort.example.org" });
    }
    if (env.PG_POOL_MIN > env.PG_POOL_SIZE) {
      ctx.addIssue({ code: "custom", path: ["PG_POOL_MIN"], message: `must not exceed PG_POOL_SIZE (${env.PG_POOL_SIZE}), got ${env.PG_POOL_MIN}: lower it or raise PG_POOL_SIZE` });
    }
    // A send that outlives its lease gets claimed again by another worker while the first may still
    // deliver: every SMTP wait must end (and the attempt fail) before the lease does.
    const smtpBound = env.SMTP_CONNECTION_TIMEOUT_MS + env.SMTP_GREETING_TIMEOUT_MS + env.SMTP_SOCKET_TIMEOUT_MS;
    if (smtpBound >= env.OUTBOX_LEASE_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["OUTBOX_LEASE_MS"],
        message: `must exceed SMTP_CONNECTION_TIMEOUT_MS + SMTP_GREETING_TIMEOUT_MS + SMTP_SOCKET_TIMEOUT_MS (${smtpBound} ms), got ${env.OUTBOX_LEASE_MS}: a stalled send would be claimed twice; raise it or lower the SMTP timeouts`,
      });
    }
  });

/** nodemailer's SMTP waits, ms (https://nodemailer.com/smtp/#connection-options). */
export interface SmtpTimeouts {
  /** TCP (and TLS) connection established */
  connectionTimeout: number;
  /** the server's 220 greeting after the connection */
  greetingTimeout: number;
  /** inactivity on the socket, e.g. the answer to the end of DATA */
  socketTimeout: number;
}

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** schema of the tables and of the migrations table; every connection's search_path */
  databaseSchema: string;
  trustedProxies: Cidr[];
  /** degraded mode while the database holds no switch row (a new database) */
  degraded: boolean;
  /** how often the switch row is re-read when no notification came */
  degradedModePollMs: number;
  /** this process in logs, the switch's history and GET /api/admin/degraded-mode; default <hostname>-<pid> */
  instanceId: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  adminToken: string | undefined;
  /** client addresses the admin API answers (with the token); default loopback only */
  adminAllowedCidrs: Cidr[];
  pgPoolSize: number;
  /** connections opened at start and kept open (createPool, warmPool) */
  pgPoolMin: number;
  pgPoolWaitMs: number;
  pgStatementTimeoutMs: number;
  rateLimitSignupPerMinute: number;
  rateLimitWritePerMinute: number;
  rateLimitReadPerMinute: number;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  maxEventLoopDelayMs: number;
  maxPoolQueue: number;
  /** how often the background readiness probe queries the database (src/readiness.ts) */
  readinessProbeMs: number;
  /** how long the probe may fail without a break before a ready instance turns not ready */
  readinessGraceMs: number;
  /** on SIGTERM: how long /readyz answers 503 while the server still serves, before it stops accepting */
  shutdownDrainMs: number;
  outboxWorker: boolean;
  /** https origin of the links mails carry; required where the outbox worker runs */
  publicUrl: string | undefined;
  /** mails one recipient address may get a UTC day (outbox.ts) */
  mailRecipientDailyCap: number;
  /** mails one recipient domain may get an hour (outbox.ts) */
  mailDomainHourlyCap: number;
  /** how long a claimed outbox row is a worker's before another may retry it */
  outboxLeaseMs: number;
  /** nodemailer's connectionTimeout, greetingTimeout, socketTimeout: together shorter than the lease */
  smtpTimeouts: SmtpTimeouts;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment into the typed config; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const r = envSchema.safeParse(env);
  if (!r.success) {
    // Never echo the value of a secret-bearing variable back: only its name and the rule.
    const problems = r.error.issues.map((i) => `${String(i.path[0] ?? "env")} ${i.message}`);
    throw new ConfigError(problems);
  }
  const e = r.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    trustedProxies: e.TRUSTED_PROXIES,
    degraded: e.DEGRADED_MODE === "on",
    degradedModePollMs: e.DEGRADED_MODE_POLL_MS,
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    adminToken: e.ADMIN_TOKEN,
    adminAllowedCidrs: e.ADMIN_ALLOWED_CIDRS,
    pgPoolSize: e.PG_POOL_SIZE,
    pgPoolMin: e.PG_POOL_MIN,
    pgPoolWaitMs: e.PG_POOL_WAIT_MS,
    pgStatementTimeoutMs: e.PG_STATEMENT_TIMEOUT_MS,
    rateLimitSignupPerMinute: e.RATE_LIMIT_SIGNUP_PER_MINUTE,
    rateLimitWritePerMinute: e.RATE_LIMIT_WRITE_PER_MINUTE,
    rateLimitReadPerMinute: e.RATE_LIMIT_READ_PER_MINUTE,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    maxEventLoopDelayMs: e.MAX_EVENT_LOOP_DELAY_MS,
    maxPoolQueue: e.MAX_POOL_QUEUE,
    readinessProbeMs: e.READINESS_PROBE_MS,
    readinessGraceMs: e.READINESS_GRACE_MS,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    outboxWorker: e.OUTBOX_WORKER === "on",
    publicUrl: e.PUBLIC_URL,
    mailRecipientDailyCap: e.MAIL_RECIPIENT_DAILY_CAP,
    mailDomainHourlyCap: e.MAIL_DOMAIN_HOURLY_CAP,
    outboxLeaseMs: e.OUTBOX_LEASE_MS,
    smtpTimeouts: { connectionTimeout: e.SMTP_CONNECTION_TIMEOUT_MS, greetingTimeout: e.SMTP_GREETING_TIMEOUT_MS, socketTimeout: e.SMTP_SOCKET_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
  };
}
