import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import underPressure from "@fastify/under-pressure";
import { unavailablePage } from "../html";
import { CACHE, RETRY_AFTER } from "../http";

/**
 * Admission control, before any work is done for a request: shedding on event-loop delay, the
 * degraded mode (only routes marked `degradedOk` are served), and shedding when the database pool's
 * queue is full. The routes marked `health` always pass: /healthz (liveness) and /readyz (readiness,
 * the load balancers' backend check).
 *
 * Why /readyz is not shed (issue 17 first had it go through admission control, because readiness then
 * queried the database on every request, so shedding it kept checks from adding load): shedding it
 * would answer the load balancers' check with 503 whenever this instance is busy, take it out of both
 * load balancers, and move its load onto the others, which then shed and leave in turn: a cascading
 * failure under the launch peak, when every instance is busy. Readiness now only reads the latest result
 * of a background probe (src/readiness.ts) and runs no query, so exempting it opens no way to amplify
 * load. A busy instance stays in the load balancers and sheds the excess itself with 503 + Retry-After.
 * /readyz stays off the internet all the same (the edge and the load balancers' ACLs deny it).
 */

export interface AdmissionOptions {
  maxEventLoopDelayMs: number;
  maxPoolQueue: number;
}

export default fp<AdmissionOptions>(
  async (app, opts) => {
    // https://github.com/fastify/under-pressure
    await app.register(underPressure, {
      maxEventLoopDelay: opts.maxEventLoopDelayMs,
      retryAfter: RETRY_AFTER.overloaded,
      // under-pressure sends a non-null return value as the reply and lets the request through on
      // undefined (its typings say void): the health routes always pass (see above).
      pressureHandler: ((req: FastifyRequest, reply: FastifyReply) => {
        if (req.routeOptions.config.health) return undefined;
        reply.header("retry-after", String(RETRY_AFTER.overloaded)).header("cache-control", CACHE.noStore).code(503);
        return { error: "overloaded" };
      }) as unknown as (req: FastifyRequest, reply: FastifyReply) => void,
    });

    const state = app.renfort;
    const pool = app.db.pool;
    app.addHook("onRequest", (req, reply, done) => {
      const rc = req.routeOptions.config;
      if (state.degraded && !rc.degradedOk && !rc.health && req.routeOptions.url !== undefined) {
        reply.header("retry-after", String(RETRY_AFTER.degraded)).header("cache-control", CACHE.noStore).code(503);
        if (req.url.startsWith("/api/")) reply.send({ error: "degraded_mode" });
        else reply.type("text/html; charset=utf-8").send(unavailablePage());
        return;
      }
      if (!rc.health && pool.waitingCount > opts.maxPoolQueue) {
        reply.header("retry-after", String(RETRY_AFTER.overloaded)).header("cache-control", CACHE.noStore).code(503);
        reply.send({ error: "overloaded" });
        return;
      }
      done();
    });
  },
  { name: "renfort-admission", dependencies: ["renfort-db"] },
);
