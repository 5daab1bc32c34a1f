import type { FastifyPluginAsync } from "fastify";
import { CACHE } from "../http";
import { migrationStatus } from "../migrate";

/** Liveness and readiness for the load balancer: never rate-limited, never shed, served in degraded mode. */
const health: FastifyPluginAsync<{ migrations: readonly string[] }> = async (app, opts) => {
  app.get("/healthz", { config: { health: true, degradedOk: true } }, async (_req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    return { status: "ok" };
  });

  app.get("/readyz", { config: { health: true, degradedOk: true } }, async (req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    try {
      const st = await migrationStatus(app.db.pool, opts.migrations);
      if (!st.current) {
        return reply.code(503).header("retry-after", "10").send({ status: "not_ready", reason: "migrations_pending", pending: st.pending });
      }
      return { status: "ready", degraded: app.renfort.degraded };
    } catch (err) {
      req.log.warn({ err: { message: (err as Error).message } }, "readiness check failed");
      return reply.code(503).header("retry-after", "5").send({ status: "not_ready", reason: "database_unavailable" });
    }
  });
};
export default health;
