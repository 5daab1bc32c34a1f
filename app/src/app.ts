import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import rateLimit from "@fastify/rate-limit";
import underPressure from "@fastify/under-pressure";
import type { Pool, PoolClient } from "pg";
import { assetsByName } from "./assets";
import { clientIp } from "./client-ip";
import type { AppConfig } from "./config";
import { isDatabaseUnavailable } from "./db";
import { checkBirthdate, departmentFromZip, fieldsFromSchemaErrors, normalizeDepartment, type SchemaError } from "./domain";
import {
  CONTENT_SECURITY_POLICY,
  confirmationPage,
  homePage,
  missionListPage,
  missionPage,
  notFoundPage,
  signupPage,
  unavailablePage,
  type MissionView,
} from "./html";
import { migrationStatus } from "./migrate";

/**
 * The HTTP service. Public GETs are cacheable by the CDN (explicit Cache-Control with s-maxage, never
 * a cookie), writes are `no-store`, every error is JSON without internals, and the service sheds
 * load with 503 + Retry-After before queues grow without bound.
 * https://fastify.dev/docs/latest/Reference/Server/
 */

export const CACHE = {
  page: "public, max-age=60, s-maxage=300, stale-while-revalidate=60",
  list: "public, max-age=30, s-maxage=60, stale-while-revalidate=30",
  staticPage: "public, max-age=300, s-maxage=3600",
  notFound: "public, max-age=30, s-maxage=30",
  immutable: "public, max-age=31536000, immutable",
  noStore: "no-store",
} as const;

/** Seconds a client should wait before retrying each kind of 503. */
const RETRY_AFTER = { degraded: 60, overloaded: 2, database: 5 } as const;

declare module "fastify" {
  interface FastifyContextConfig {
    /** still served in degraded mode */
    degradedOk?: boolean;
    /** health endpoints: no rate limit, no load shedding */
    health?: boolean;
  }
  interface FastifyRequest {
    clientIp: string;
  }
}

export interface AppState {
  degraded: boolean;
}

export interface BuildAppOptions {
  config: AppConfig;
  pool: Pool;
  /** the migration names present in this release (for /readyz) */
  migrations: readonly string[];
  /** pino destination; default stdout */
  logStream?: { write(line: string): unknown };
  /**
   * Use named (server-side prepared) statements; default true. Off for the embedded PostgreSQL,
   * where every pool connection shares PGlite's single session and names would collide.
   */
  namedStatements?: boolean;
}

export type RenfortApp = FastifyInstance & { renfort: AppState };

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.error));
  }
}

// --- request schemas (ajv, without type coercion: a number where a string is expected is a 400) ---

const NO_CONTROL = String.raw`^[^\u0000-\u001f\u007f]*$`;
const TEXT = String.raw`^(?=[\s\S]*\S)[^\u0000-\u001f\u007f]*$`;
const LONG_TEXT = String.raw`^(?=[\s\S]*\S)[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$`;
const EMAIL_CHAR = String.raw`[^\s@<>()[\],;:"\\\u0000-\u001f\u007f.]`;
const EMAIL = `^(?:${EMAIL_CHAR}+\\.)*${EMAIL_CHAR}+@(?:${EMAIL_CHAR}+\\.)+${EMAIL_CHAR}+$`;

const emailSchema = { type: "string", maxLength: 254, pattern: EMAIL } as const;
const textSchema = (max: number) => ({ type: "string", minLength: 1, maxLength: max, pattern: TEXT }) as const;
const zipSchema = { type: "string", pattern: "^[0-9]{5}$" } as const;

const volunteerBody = {
  type: "object",
  additionalProperties: false,
  required: ["email", "firstName", "lastName", "zip"],
  properties: {
    email: emailSchema,
    firstName: textSchema(100),
    lastName: textSchema(100),
    zip: zipSchema,
    phone: { type: "string", maxLength: 20, pattern: "^\\+?[0-9][0-9 .-]{5,19}$" },
    birthdate: { type: "string", maxLength: 10, pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" },
  },
} as const;

const applicationBody = {
  type: "object",
  additionalProperties: false,
  required: ["email"],
  properties: { email: emailSchema },
} as const;

const organizationBody = {
  type: "object",
  additionalProperties: false,
  required: ["name", "email", "zip"],
  properties: { name: textSchema(200), email: emailSchema, zip: zipSchema },
} as const;

const missionBody = {
  type: "object",
  additionalProperties: false,
  required: ["title", "description", "zip", "places"],
  properties: {
    title: textSchema(200),
    description: { type: "string", minLength: 1, maxLength: 5000, pattern: LONG_TEXT },
    zip: zipSchema,
    city: { type: "string", maxLength: 100, pattern: NO_CONTROL },
    places: { type: "integer", minimum: 1, maximum: 10000 },
  },
} as const;

const listQuery = {
  type: "object",
  properties: {
    zip: { type: "string", maxLength: 5 },
    department: { type: "string", maxLength: 3 },
  },
} as const;

const createdVolunteer = {
  201: { type: "object", properties: { id: { type: "string" }, status: { type: "string" } }, required: ["id", "status"] },
} as const;

// --- SQL (named statements: parsed once per connection) ---

/**
 * Signup: one statement, hence one short transaction, two inserts. ON CONFLICT on the unique
 * lower(email) index turns a concurrent duplicate into "no row" instead of an error: the loser waits
 * for the winner's commit and then inserts nothing (the outbox insert selects from the empty CTE).
 */
export const SIGNUP_SQL = `WITH v AS (
  INSERT INTO volunteers (email, first_name, last_name, zip, phone, birthdate)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT ((lower(email))) DO NOTHING
  RETURNING id, email, first_name
)
INSERT INTO email_outbox (kind, recipient, volunteer_id, payload)
SELECT 'volunteer_welcome', v.email, v.id, jsonb_build_object('firstName', v.first_name) FROM v
RETURNING volunteer_id`;

export const MISSION_SQL = `SELECT m.id::text AS id, m.title, m.description, m.zip, m.department, m.city, m.places,
  m.places_taken AS "placesTaken", o.name AS "organizationName"
FROM missions m JOIN organizations o ON o.id = m.organization_id WHERE m.id = $1`;

const LIST_COLUMNS = `m.id::text AS id, m.title, m.description, m.zip, m.department, m.city, m.places,
  m.places_taken AS "placesTaken", o.name AS "organizationName"`;

export function listMissionsQuery(f: { zip?: string; department?: string }): { name: string; text: string; values: string[] } {
  const base = `SELECT ${LIST_COLUMNS} FROM missions m JOIN organizations o ON o.id = m.organization_id`;
  if (f.zip !== undefined) return { name: "missions-by-zip", text: `${base} WHERE m.zip = $1 ORDER BY m.id DESC LIMIT 50`, values: [f.zip] };
  if (f.department !== undefined)
    return { name: "missions-by-dept", text: `${base} WHERE m.department = $1 ORDER BY m.id DESC LIMIT 50`, values: [f.department] };
  return { name: "missions-all", text: `${base} ORDER BY m.id DESC LIMIT 50`, values: [] };
}

export const VOLUNTEER_BY_EMAIL_SQL = `SELECT id FROM volunteers WHERE lower(email) = lower($1)`;
export const APPLY_INSERT_SQL = `INSERT INTO applications (mission_id, volunteer_id) VALUES ($1, $2)
ON CONFLICT (volunteer_id, mission_id) DO NOTHING RETURNING id::text AS id`;
/** The guard against overselling: the row lock serializes applicants and WHERE is re-checked after the wait. */
export const TAKE_PLACE_SQL = `UPDATE missions SET places_taken = places_taken + 1
WHERE id = $1 AND places_taken < places RETURNING places - places_taken AS "placesLeft"`;

function sha256(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== "string") return undefined;
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{16,512})$/.exec(h.trim());
  return m?.[1];
}

function missionIdParam(raw: string): string | undefined {
  return /^[1-9][0-9]{0,14}$/.test(raw) ? raw : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A view of the pool whose queries drop their statement names (see BuildAppOptions.namedStatements). */
function unnamedStatements(pool: Pool): Pool {
  const strip = (args: unknown[]): unknown[] => {
    const [first, ...rest] = args;
    if (first && typeof first === "object" && "name" in first) {
      const { name: _name, ...unnamed } = first as { name: string };
      return [unnamed, ...rest];
    }
    return args;
  };
  const wrapClient = (c: PoolClient): PoolClient =>
    new Proxy(c, {
      get(target, prop, receiver) {
        if (prop === "query") return (...args: unknown[]) => (target.query as (...a: unknown[]) => unknown)(...strip(args));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === "query") return (...args: unknown[]) => (target.query as (...a: unknown[]) => unknown)(...strip(args));
      if (prop === "connect") return async () => wrapClient(await target.connect());
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super("rollback");
  }
}

export async function buildApp(opts: BuildAppOptions): Promise<RenfortApp> {
  const { config: cfg } = opts;
  const pool = opts.namedStatements === false ? unnamedStatements(opts.pool) : opts.pool;
  const state: AppState = { degraded: cfg.degraded };

  const app = Fastify({
    logger: {
      level: cfg.logLevel,
      ...(opts.logStream ? { stream: opts.logStream } : {}),
      // No redaction pass on every line: request headers (authorization, cookies) are never logged.
    },
    // Our own request ids: a client-supplied one would let anyone forge log correlation.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // one log line per request, written in onResponse below
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: cfg.bodyLimitBytes,
    // Slow bodies (slowloris) are cut off; keep-alive outlives the load balancer's idle timeout.
    requestTimeout: cfg.requestTimeoutMs,
    // Node checks those timeouts every connectionsCheckingInterval (30 s by default): check every
    // second so a slow body is cut off close to the deadline. https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener
    http: { connectionsCheckingInterval: 1000, headersTimeout: Math.min(cfg.requestTimeoutMs, 10_000) },
    keepAliveTimeout: 65000,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: false } },
  }) as unknown as RenfortApp;
  app.decorate("renfort", state);
  // JSON only: without this, fastify would parse text/plain and answer 400 instead of 415.
  app.removeContentTypeParser(["text/plain"]);
  app.decorateRequest("clientIp", "");

  // 1. Load shedding on event-loop delay, before any work is done for the request.
  // https://github.com/fastify/under-pressure
  await app.register(underPressure, {
    maxEventLoopDelay: cfg.maxEventLoopDelayMs,
    retryAfter: RETRY_AFTER.overloaded,
    // under-pressure sends a non-null return value as the reply and lets the request through on
    // undefined (its typings say void): health checks always pass, so the LB sees the truth.
    pressureHandler: ((req: FastifyRequest, reply: FastifyReply) => {
      if (req.routeOptions.config.health) return undefined;
      reply.header("retry-after", String(RETRY_AFTER.overloaded)).header("cache-control", CACHE.noStore).code(503);
      return { error: "overloaded" };
    }) as unknown as (req: FastifyRequest, reply: FastifyReply) => void,
  });

  // 2. Client IP, degraded mode, pool-queue shedding.
  app.addHook("onRequest", async (req, reply) => {
    req.clientIp = clientIp(req.socket.remoteAddress, req.headers, cfg.trustedProxies);
    const rc = req.routeOptions.config;
    if (state.degraded && !rc.degradedOk && !rc.health && req.routeOptions.url !== undefined) {
      reply.header("retry-after", String(RETRY_AFTER.degraded)).header("cache-control", CACHE.noStore).code(503);
      if (req.url.startsWith("/api/")) return reply.send({ error: "degraded_mode" });
      return reply.type("text/html; charset=utf-8").send(unavailablePage());
    }
    if (!rc.health && pool.waitingCount > cfg.maxPoolQueue) {
      reply.header("retry-after", String(RETRY_AFTER.overloaded)).header("cache-control", CACHE.noStore).code(503);
      return reply.send({ error: "overloaded" });
    }
    return undefined;
  });

  // 3. Per-client rate limits, keyed on the IP computed above; reads and writes count separately.
  // https://github.com/fastify/fastify-rate-limit
  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    keyGenerator: (req) => `${req.clientIp}|${req.method === "GET" || req.method === "HEAD" ? "r" : "w"}`,
    max: (_req, key) => (key.endsWith("|w") ? cfg.rateLimitWritePerMinute : cfg.rateLimitReadPerMinute),
    allowList: (req) => req.routeOptions.config.health === true,
    cache: 50_000,
    addHeadersOnExceeding: { "x-ratelimit-limit": false, "x-ratelimit-remaining": false, "x-ratelimit-reset": false },
    addHeaders: { "x-ratelimit-limit": false, "x-ratelimit-remaining": false, "x-ratelimit-reset": false, "retry-after": true },
    errorResponseBuilder: (_req, ctx) => new HttpError(429, { error: "rate_limited" }, { "retry-after": String(Math.max(1, Math.ceil(ctx.ttl / 1000))) }),
  });

  // Graceful shutdown: once closing, in-flight responses end their keep-alive connection, so the
  // server can finish closing instead of waiting for idle sockets to time out.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });

  // Security and cache headers on everything that leaves.
  // Callback-style hooks on the hot path: no promise per request per hook.
  app.addHook("onSend", (req, reply, payload, done) => {
    if (closing) reply.header("connection", "close");
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "strict-origin-when-cross-origin");
    reply.header("x-request-id", req.id);
    const type = String(reply.getHeader("content-type") ?? "");
    if (type.startsWith("text/html")) {
      reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
      reply.header("x-frame-options", "DENY");
    }
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", CACHE.noStore);
    // Public pages must stay cacheable by the CDN: no cookie, ever.
    if (req.method === "GET" || req.method === "HEAD") reply.removeHeader("set-cookie");
    done(null, payload);
  });

  app.addHook("onResponse", (req, reply, done) => {
    req.log.info(
      { method: req.method, route: req.routeOptions.url ?? "unmatched", status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ip: req.clientIp },
      "request",
    );
    done();
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).header("cache-control", CACHE.notFound);
    if (req.url.startsWith("/api/")) return reply.send({ error: "not_found" });
    return reply.type("text/html; charset=utf-8").send(notFoundPage());
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: SchemaError[]; validationContext?: string }, req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return reply.code(err.statusCode).send(err.body);
    }
    if (err.validation) {
      return reply.code(400).send({ error: "validation_failed", fields: fieldsFromSchemaErrors(err.validation, err.validationContext ?? "body") });
    }
    switch (err.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return reply.code(413).send({ error: "payload_too_large", limitBytes: cfg.bodyLimitBytes });
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      case "FST_ERR_CTP_INVALID_CONTENT_TYPE":
        return reply.code(415).send({ error: "unsupported_media_type", expected: "application/json" });
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
        return reply.code(400).send({ error: "validation_failed", fields: { body: "is required" } });
      case "FST_ERR_CTP_INVALID_JSON_BODY":
        return reply.code(400).send({ error: "validation_failed", fields: { body: "must be valid JSON" } });
      default:
        break;
    }
    if (err.statusCode === 429) {
      return reply.code(429).header("retry-after", reply.getHeader("retry-after") ?? "60").send({ error: "rate_limited" });
    }
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: { message: err.message, code: err.code } }, "database unavailable");
      return reply.code(503).header("retry-after", String(RETRY_AFTER.database)).send({ error: "unavailable" });
    }
    if (err instanceof SyntaxError || (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)) {
      // A malformed request fastify rejected (bad JSON, bad content-length, poisoned prototype...).
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      if (status === 400) return reply.code(400).send({ error: "validation_failed", fields: { body: "must be valid JSON" } });
      return reply.code(status).send({ error: "bad_request" });
    }
    req.log.error({ err }, "unhandled error");
    return reply.code(500).send({ error: "internal" });
  });

  const html = (reply: FastifyReply, cache: string, body: string) =>
    reply.header("cache-control", cache).type("text/html; charset=utf-8").send(body);

  // --- health ---

  app.get("/healthz", { config: { health: true, degradedOk: true } }, async (_req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    return { status: "ok" };
  });

  app.get("/readyz", { config: { health: true, degradedOk: true } }, async (req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    try {
      const st = await migrationStatus(pool, opts.migrations);
      if (!st.current) {
        return reply.code(503).header("retry-after", "10").send({ status: "not_ready", reason: "migrations_pending", pending: st.pending });
      }
      return { status: "ready", degraded: state.degraded };
    } catch (err) {
      req.log.warn({ err: { message: (err as Error).message } }, "readiness check failed");
      return reply.code(503).header("retry-after", "5").send({ status: "not_ready", reason: "database_unavailable" });
    }
  });

  // --- assets ---

  app.get<{ Params: { name: string } }>("/assets/:name", { config: { degradedOk: true } }, async (req, reply) => {
    const a = assetsByName.get(req.params.name);
    if (!a) {
      reply.code(404).header("cache-control", CACHE.notFound);
      return { error: "not_found" };
    }
    return reply.header("cache-control", CACHE.immutable).type(a.contentType).send(a.body);
  });

  // --- pages ---

  app.get("/", async (_req, reply) => html(reply, CACHE.page, homePage()));
  app.get("/signup", { config: { degradedOk: true } }, async (_req, reply) => html(reply, CACHE.staticPage, signupPage()));
  app.get("/signup/confirmation", { config: { degradedOk: true } }, async (_req, reply) => html(reply, CACHE.staticPage, confirmationPage()));

  function filtersFrom(q: { zip?: string; department?: string }): { zip?: string; department?: string } {
    const out: { zip?: string; department?: string } = {};
    if (q.zip !== undefined && /^\d{5}$/.test(q.zip)) out.zip = q.zip;
    else if (q.department !== undefined) {
      const d = normalizeDepartment(q.department);
      if (d) out.department = d;
    }
    return out;
  }

  async function listMissions(q: { zip?: string; department?: string }): Promise<MissionView[]> {
    const r = await pool.query<MissionView>(listMissionsQuery(filtersFrom(q)));
    return r.rows;
  }

  async function getMission(id: string): Promise<MissionView | undefined> {
    const r = await pool.query<MissionView>({ name: "mission-by-id", text: MISSION_SQL, values: [id] });
    return r.rows[0];
  }

  app.get<{ Querystring: { zip?: string; department?: string } }>("/missions", { schema: { querystring: listQuery } }, async (req, reply) => {
    const missions = await listMissions(req.query);
    return html(reply, CACHE.list, missionListPage(missions, filtersFrom(req.query)));
  });

  app.get<{ Params: { id: string } }>("/missions/:id", async (req, reply) => {
    const id = missionIdParam(req.params.id);
    const m = id ? await getMission(id) : undefined;
    if (!m) return html(reply.code(404), CACHE.notFound, notFoundPage());
    return html(reply, CACHE.page, missionPage(m));
  });

  app.get<{ Querystring: { zip?: string; department?: string } }>("/api/missions", { schema: { querystring: listQuery } }, async (req, reply) => {
    const missions = await listMissions(req.query);
    reply.header("cache-control", CACHE.list);
    return { missions: missions.map((m) => ({ ...m, placesLeft: m.places - m.placesTaken })) };
  });

  app.get<{ Params: { id: string } }>("/api/missions/:id", async (req, reply) => {
    const id = missionIdParam(req.params.id);
    const m = id ? await getMission(id) : undefined;
    if (!m) {
      reply.code(404).header("cache-control", CACHE.notFound);
      return { error: "not_found" };
    }
    reply.header("cache-control", CACHE.page);
    return { ...m, placesLeft: m.places - m.placesTaken };
  });

  // --- writes ---

  app.post<{ Body: { email: string; firstName: string; lastName: string; zip: string; phone?: string; birthdate?: string } }>(
    "/api/volunteers",
    { config: { degradedOk: true }, schema: { body: volunteerBody, response: createdVolunteer } },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      const b = req.body;
      const fields: Record<string, string> = {};
      if (departmentFromZip(b.zip) === undefined) fields.zip = "is not a French postcode";
      if (b.birthdate !== undefined) {
        const problem = checkBirthdate(b.birthdate, new Date());
        if (problem) fields.birthdate = problem;
      }
      if (Object.keys(fields).length) return reply.code(400).send({ error: "validation_failed", fields });
      const r = await pool.query<{ volunteer_id: string }>({
        name: "signup",
        text: SIGNUP_SQL,
        values: [b.email, b.firstName.trim(), b.lastName.trim(), b.zip, b.phone ?? null, b.birthdate ?? null],
      });
      if (r.rowCount === 0) return reply.code(409).send({ error: "email_taken" });
      return reply.code(201).send({ id: r.rows[0]!.volunteer_id, status: "pending" });
    },
  );

  app.post<{ Params: { id: string }; Body: { email: string } }>(
    "/api/missions/:id/applications",
    { schema: { body: applicationBody } },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      const missionId = missionIdParam(req.params.id);
      const exists = missionId
        ? (await pool.query({ name: "mission-exists", text: "SELECT 1 FROM missions WHERE id = $1", values: [missionId] })).rowCount
        : 0;
      if (!exists) return reply.code(404).send({ error: "mission_not_found" });
      const v = await pool.query<{ id: string }>({ name: "volunteer-by-email", text: VOLUNTEER_BY_EMAIL_SQL, values: [req.body.email] });
      if (!v.rows[0]) return reply.code(404).send({ error: "volunteer_not_found" });
      const volunteerId = v.rows[0].id;
      try {
        const out = await inTransaction(pool, async (c) => {
          const a = await c.query<{ id: string }>({ name: "apply-insert", text: APPLY_INSERT_SQL, values: [missionId, volunteerId] });
          if (!a.rows[0]) throw new Rollback("already_applied" as const);
          const t = await c.query<{ placesLeft: number }>({ name: "take-place", text: TAKE_PLACE_SQL, values: [missionId] });
          if (!t.rows[0]) throw new Rollback("mission_full" as const);
          return { id: a.rows[0].id, missionId, placesLeft: t.rows[0].placesLeft };
        });
        return reply.code(201).send(out);
      } catch (err) {
        if (err instanceof Rollback) return reply.code(409).send({ error: err.value });
        throw err;
      }
    },
  );

  app.post<{ Body: { name: string; email: string; zip: string } }>(
    "/api/organizations",
    { schema: { body: organizationBody } },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      if (departmentFromZip(req.body.zip) === undefined) {
        return reply.code(400).send({ error: "validation_failed", fields: { zip: "is not a French postcode" } });
      }
      const r = await pool.query<{ id: string }>({
        name: "org-insert",
        text: `INSERT INTO organizations (name, email, zip) VALUES ($1, $2, $3) ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
        values: [req.body.name.trim(), req.body.email, req.body.zip],
      });
      if (!r.rows[0]) return reply.code(409).send({ error: "email_taken" });
      return reply.code(201).send({ id: r.rows[0].id, status: "pending" });
    },
  );

  const adminDigest = cfg.adminToken ? sha256(cfg.adminToken) : undefined;

  app.post<{ Params: { id: string } }>("/api/admin/organizations/:id/validate", async (req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    const token = bearer(req);
    // Compare digests in constant time so the comparison leaks neither content nor length.
    if (!adminDigest || !token || !timingSafeEqual(sha256(token), adminDigest)) {
      return reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized" });
    }
    if (!UUID.test(req.params.id)) return reply.code(404).send({ error: "organization_not_found" });
    const orgToken = randomBytes(32).toString("base64url");
    try {
      const org = await inTransaction(pool, async (c) => {
        const u = await c.query<{ id: string; email: string; name: string }>(
          `UPDATE organizations SET status = 'validated', token_hash = $2, validated_at = now()
           WHERE id = $1 AND status = 'pending' RETURNING id, email, name`,
          [req.params.id, sha256(orgToken)],
        );
        const row = u.rows[0];
        if (!row) {
          const e = await c.query("SELECT 1 FROM organizations WHERE id = $1", [req.params.id]);
          throw new Rollback(e.rowCount ? ("already_validated" as const) : ("organization_not_found" as const));
        }
        // The token travels only in the outbox row, which the worker scrubs once the mail is sent.
        await c.query(
          `INSERT INTO email_outbox (kind, recipient, organization_id, payload) VALUES ('organization_validated', $1, $2, $3)`,
          [row.email, row.id, JSON.stringify({ name: row.name, token: orgToken })],
        );
        return row;
      });
      return { id: org.id, status: "validated" };
    } catch (err) {
      if (err instanceof Rollback) return reply.code(err.value === "already_validated" ? 409 : 404).send({ error: err.value });
      throw err;
    }
  });

  app.post<{ Params: { id: string }; Body: { title: string; description: string; zip: string; city?: string; places: number } }>(
    "/api/organizations/:id/missions",
    { schema: { body: missionBody } },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      const token = bearer(req);
      const unauthorized = () => reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized" });
      if (!token || !UUID.test(req.params.id)) return unauthorized();
      const o = await pool.query(
        { name: "org-by-token", text: `SELECT 1 FROM organizations WHERE token_hash = $1 AND id = $2 AND status = 'validated'`, values: [sha256(token), req.params.id] },
      );
      if (!o.rowCount) return unauthorized();
      const b = req.body;
      const department = departmentFromZip(b.zip);
      if (!department) return reply.code(400).send({ error: "validation_failed", fields: { zip: "is not a French postcode" } });
      const r = await pool.query<{ id: string }>(
        `INSERT INTO missions (organization_id, title, description, zip, department, city, places)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
        [req.params.id, b.title.trim(), b.description.trim(), b.zip, department, b.city?.trim() || null, b.places],
      );
      return reply.code(201).send({ id: r.rows[0]!.id });
    },
  );

  return app;
}
