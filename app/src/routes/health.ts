import type { FastifyPluginAsync } from "fastify";
import { CACHE } from "../http";
import { safeError } from "../log-safe";
import { migrationStatus } from "../migrate";

/**
 * Liveness and readiness. `/healthz` (liveness, the load balancers' backend check) is never rate-limited
 * nor shed. `/readyz` (readiness) goes through the same admission control as every route (an overloaded
 * instance is not ready), is not rate-limited, is served in degraded mode, and names no migration: the
 * edge and the load balancers' ACLs keep it off the internet all the same.
 */
const health: FastifyPluginAsync<{ migrations: readonly string[] }> = async (app, opts) => {
  app.get("/healthz", { config: { health: true, degradedOk: true } }, async (_req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    return { status: "ok" };
  });

  app.get("/readyz", { config: { noRateLimit: true, degradedOk: true } }, async (req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    try {
      const st = await migrationStatus(app.db.pool, opts.migrations);
      if (!st.current) {
        return reply.code(503).header("retry-after", "10").send({ status: "not_ready", reason: "migrations_pending" });
      }
      return { status: "ready", degraded: app.renfort.degraded };
    } catch (err) {
      req.log.warn({ err: safeError(err) }, "readiness check failed");
      return reply.code(503).header("retry-after", "5").send({ status: "not_ready", reason: "database_unavailable" });
    }
  });
};
export default health;
