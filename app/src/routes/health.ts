import type { FastifyPluginAsync } from "fastify";
import { CACHE } from "../http";
import type { Readiness } from "../readiness";

/**
 * Liveness and readiness, neither rate-limited nor shed (plugins/admission.ts says why), both served in
 * degraded mode.
 * - `/healthz`: liveness, the process answers (the Docker HEALTHCHECK); no database.
 * - `/readyz`: readiness, "this instance can take traffic" (src/readiness.ts): not draining, and the
 *   background probe's latest database round trip succeeded with every migration applied. The load
 *   balancers' backend health check, hence the fleet's release health gate. It runs no query and names
 *   no migration; the edge and the load balancers' ACLs keep it off the internet all the same.
 */
const health: FastifyPluginAsync<{ readiness: Readiness }> = async (app, opts) => {
  app.get("/healthz", { config: { health: true, degradedOk: true } }, async (_req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    return { status: "ok" };
  });

  app.get("/readyz", { config: { health: true, degradedOk: true } }, async (_req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    const st = opts.readiness.state;
    if (!st.ready) {
      return reply
        .code(503)
        .header("retry-after", st.reason === "migrations_pending" ? "10" : "5")
        .send({ status: "not_ready", reason: st.reason });
    }
    return { status: "ready", degraded: app.renfort.degraded };
  });
};
export default health;
