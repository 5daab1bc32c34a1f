import fp from "fastify-plugin";
import { isDatabaseUnavailable } from "../db";
import { fieldsFromSchemaErrors, type SchemaError } from "../domain";
import { notFoundPage } from "../html";
import { CACHE, HttpError, RETRY_AFTER } from "../http";
import { safeError } from "../log-safe";

/**
 * Every error answers JSON without internals: schema errors name their fields, fastify's parser
 * errors map to 400/413/415, an unreachable database to 503 + Retry-After, anything else to 500
 * (logged). Unknown routes get a 404 page (or JSON under /api/).
 */
export default fp<{ bodyLimitBytes: number }>(
  async (app, opts) => {
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
          return reply.code(413).send({ error: "payload_too_large", limitBytes: opts.bodyLimitBytes });
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
        req.log.warn({ err: safeError(err) }, "database unavailable");
        return reply.code(503).header("retry-after", String(RETRY_AFTER.database)).send({ error: "unavailable" });
      }
      if (err instanceof SyntaxError || (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)) {
        // A malformed request fastify rejected (bad JSON, bad content-length, poisoned prototype...).
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
        if (status === 400) return reply.code(400).send({ error: "validation_failed", fields: { body: "must be valid JSON" } });
        return reply.code(status).send({ error: "bad_request" });
      }
      // Never the raw error: a PostgreSQL error's `detail` holds the row (log-safe.ts).
      req.log.error({ err: safeError(err) }, "unhandled error");
      return reply.code(500).send({ error: "internal" });
    });
  },
  { name: "renfort-errors" },
);
