import fp from "fastify-plugin";
import { CONTENT_SECURITY_POLICY } from "../html";
import { CACHE } from "../http";

/**
 * Security and cache headers on everything that leaves, and `connection: close` once the server is
 * closing, so in-flight responses end their keep-alive connection and the server can finish closing
 * instead of waiting for idle sockets to time out.
 */
export default fp(
  async (app) => {
    let closing = false;
    app.addHook("preClose", async () => {
      closing = true;
    });
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
  },
  { name: "renfort-security-headers" },
);
