import fp from "fastify-plugin";
import { CACHE, RETRY_AFTER } from "../http";
import { safeError } from "../log-safe";

/**
 * A deadline per request: a handler that has not answered REQUEST_TIMEOUT_MS after the request body was
 * received gets its request answered 503 `{"error":"timeout"}` + Retry-After, and the event logged. Without
 * it a request stuck behind an unresponsive database (a frozen server keeps its TCP connections open, so
 * nothing fails) waits for the client to give up: a load test on a loaded machine saw answers ~10 s late
 * and hundreds of signups never answered within 30 s.
 *
 * Receiving the body is bounded by Node's own `requestTimeout` (408, app.ts). The clock here starts in
 * preValidation, the first hook after the body is parsed (https://fastify.dev/docs/latest/Reference/Lifecycle/).
 *
 * Why not fastify's `handlerTimeout` (https://github.com/fastify/fastify/pull/6521): its request.signal
 * aborts when the raw request emits 'close', which also happens once a request body has been read, so
 * every POST with a body is cancelled at once; the fix is still open
 * (https://github.com/fastify/fastify/pull/6725, https://github.com/fastify/fastify/pull/7033).
 *
 * The handler is not cancelled (its queries end by their own statement and query timeouts, db.ts): when
 * it answers after the deadline, fastify sees `reply.sent` and drops the late answer with a warning
 * (lib/wrap-thenable.js, reply.send), so nothing is sent twice.
 */

export interface DeadlineOptions {
  timeoutMs: number;
}

export class RequestDeadlineExceeded extends Error {
  readonly code = "RENFORT_REQUEST_DEADLINE";
  constructor(timeoutMs: number) {
    super(`no answer from the handler ${timeoutMs} ms after the request body was received`);
    this.name = "RequestDeadlineExceeded";
  }
}

export default fp<DeadlineOptions>(
  async (app, opts) => {
    app.addHook("preValidation", (req, reply, done) => {
      const timer = setTimeout(() => {
        // answered already, or the client has gone: nothing to send
        if (reply.sent || reply.raw.headersSent || reply.raw.destroyed) return;
        req.log.warn({ err: safeError(new RequestDeadlineExceeded(opts.timeoutMs)), method: req.method, route: req.routeOptions.url ?? "unmatched" }, "request deadline exceeded");
        reply.code(503).header("cache-control", CACHE.noStore).header("retry-after", String(RETRY_AFTER.timeout)).send({ error: "timeout" });
      }, opts.timeoutMs);
      // never keeps the process alive on its own (shutdown waits for the requests themselves)
      timer.unref();
      // 'close' on the response: answered, or the connection is gone (not the request's 'close', which
      // also fires once the body has been read)
      reply.raw.once("close", () => clearTimeout(timer));
      done();
    });
  },
  { name: "renfort-deadline" },
);
