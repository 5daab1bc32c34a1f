import fp from "fastify-plugin";
import "../http";

/** One log line per request, written when the response is sent (fastify's own request logging is off). */
export default fp(
  async (app) => {
    app.addHook("onResponse", (req, reply, done) => {
      req.log.info(
        { method: req.method, route: req.routeOptions.url ?? "unmatched", status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ip: req.clientIp },
        "request",
      );
      done();
    });
  },
  { name: "renfort-access-log" },
);
