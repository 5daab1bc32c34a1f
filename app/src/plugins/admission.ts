import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import underPressure from "@fastify/under-pressure";
import { unavailablePage } from "../html";
import { CACHE, RETRY_AFTER } from "../http";

/**
 * Admission control, before any work is done for a request: shedding on event-loop delay, the
 * degraded mode (only routes marked `degradedOk` are served), and shedding when the database pool's
 * queue is full. Only the liveness route (`health`: /healthz) always passes; /readyz goes through it like
 * every other route, so an instance that sheds load is not ready.
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
      // undefined (its typings say void): liveness always passes, so the LB sees the process is alive.
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
