import { randomUUID } from "node:crypto";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Pool } from "pg";
import type { AppConfig } from "./config";
import type { DegradedMode } from "./degraded-mode";
import type { AppState } from "./http";
import { safeError } from "./log-safe";
import { Readiness } from "./readiness";
import accessLog from "./plugins/access-log";
import admission from "./plugins/admission";
import auth from "./plugins/auth";
import clientIp from "./plugins/client-ip";
import db from "./plugins/db";
import deadline from "./plugins/deadline";
import degradedMode from "./plugins/degraded-mode";
import errors from "./plugins/errors";
import rateLimit from "./plugins/rate-limit";
import securityHeaders from "./plugins/security-headers";
import adminRoutes from "./routes/admin";
import assetRoutes from "./routes/assets";
import healthRoutes from "./routes/health";
import missionRoutes from "./routes/missions";
import organisationRoutes from "./routes/organisations";
import pageRoutes from "./routes/pages";
import volunteerRoutes from "./routes/volunteers";

/**
 * The HTTP service. Public GETs are cacheable by the CDN (explicit Cache-Control with s-maxage, never
 * a cookie), writes are `no-store`, every error is JSON without internals, and the service sheds
 * load with 503 + Retry-After before queues grow without bound.
 *
 * Laid out as fastify's own template: this file registers the plugins in order (each registered
 * explicitly: the single-file bundle rules out @fastify/autoload), then the routes. Plugins wrapped
 * with fastify-plugin share the root context (their hooks apply to every route); route plugins are
 * encapsulated. https://fastify.dev/docs/latest/Reference/Plugins/ https://github.com/fastify/fastify-cli/tree/main/templates/app-ts
 */

export { CACHE, type AppState } from "./http";

export interface BuildAppOptions {
  config: AppConfig;
  pool: Pool;
  /** the migration names present in this release (the readiness probe checks they are applied) */
  migrations: readonly string[];
  /** pino destination; default stdout */
  logStream?: { write(line: string): unknown };
  /**
   * Use named (server-side prepared) statements; default true. Off for the embedded PostgreSQL,
   * where every pool connection shares PGlite's single session and names would collide.
   */
  namedStatements?: boolean;
  /** the fleet-wide degraded-mode switch, started (serve() passes one); default: one over `pool`, not watched */
  degradedMode?: DegradedMode;
}

/** `readiness`: what /readyz answers (src/readiness.ts), started by buildApp and stopped on close. */
export type RenfortApp = FastifyInstance & { renfort: AppState; readiness: Readiness };

export async function buildApp(opts: BuildAppOptions): Promise<RenfortApp> {
  const { config: cfg } = opts;
  const state: AppState = { degraded: cfg.degraded };

  const app = Fastify({
    logger: {
      level: cfg.logLevel,
      ...(opts.logStream ? { stream: opts.logStream } : {}),
      // No redaction pass on every line: request headers (authorization, cookies) are never logged.
      // Errors fastify logs itself (a handler that fails after plugins/deadline.ts answered: "Promise errored,
      // but reply.sent = true was set") go through safeError like ours: never a PostgreSQL error's `detail`.
      // Our own lines already pass a SafeError, a plain object, which is kept as is.
      // https://getpino.io/#/docs/api?id=serializers-object
      // (fastify's typings want pino's own {type, message, stack} shape back; a SafeError's stack is optional)
      serializers: { err: ((err: unknown) => (err instanceof Error ? safeError(err) : err)) as unknown as (err: Error) => { type: string; message: string; stack: string } },
    },
    // Our own request ids: a client-supplied one would let anyone forge log correlation.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // one log line per request, written by plugins/access-log.ts
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
  // The readiness probe's first result is known before the app answers anything (buildApp awaits it).
  const readiness = new Readiness({
    pool: opts.pool,
    migrations: opts.migrations,
    intervalMs: cfg.readinessProbeMs,
    graceMs: cfg.readinessGraceMs,
    log: (level, msg, fields) => app.log[level]({ ...fields, component: "readiness" }, msg),
  });
  app.decorate("readiness", readiness);
  app.addHook("onClose", async () => readiness.stop());
  // JSON only: without this, fastify would parse text/plain and answer 400 instead of 415.
  app.removeContentTypeParser(["text/plain"]);

  // Plugins, in the order their hooks run.
  await app.register(db, { pool: opts.pool, namedStatements: opts.namedStatements ?? true });
  await app.register(degradedMode, {
    ...(opts.degradedMode ? { degradedMode: opts.degradedMode } : {}),
    defaultEnabled: cfg.degraded,
    instanceId: cfg.instanceId,
  });
  await app.register(clientIp, { trustedProxies: cfg.trustedProxies });
  await app.register(admission, { maxEventLoopDelayMs: cfg.maxEventLoopDelayMs, maxPoolQueue: cfg.maxPoolQueue });
  await app.register(rateLimit, {
    signupPerMinute: cfg.rateLimitSignupPerMinute,
    writePerMinute: cfg.rateLimitWritePerMinute,
    readPerMinute: cfg.rateLimitReadPerMinute,
  });
  await app.register(securityHeaders);
  await app.register(accessLog);
  await app.register(errors, { bodyLimitBytes: cfg.bodyLimitBytes });
  // preValidation: the clock starts once the body is in (admission and the rate limit answered before)
  await app.register(deadline, { timeoutMs: cfg.requestTimeoutMs });
  await app.register(auth, { adminToken: cfg.adminToken, adminAllowedCidrs: cfg.adminAllowedCidrs });

  // Routes, each with its schemas beside its handlers.
  await app.register(healthRoutes, { readiness });
  await app.register(assetRoutes);
  await app.register(pageRoutes);
  await app.register(missionRoutes);
  await app.register(volunteerRoutes);
  await app.register(organisationRoutes);
  await app.register(adminRoutes);

  await readiness.start();
  return app;
}
