import fp from "fastify-plugin";
import rateLimit from "@fastify/rate-limit";
import { HttpError } from "../http";

/**
 * Per-client rate limits, keyed on `req.clientIp` (plugins/client-ip.ts); reads and writes count
 * separately, health routes are exempt. https://github.com/fastify/fastify-rate-limit
 */
export default fp<{ writePerMinute: number; readPerMinute: number }>(
  async (app, opts) => {
    await app.register(rateLimit, {
      global: true,
      timeWindow: 60_000,
      keyGenerator: (req) => `${req.clientIp}|${req.method === "GET" || req.method === "HEAD" ? "r" : "w"}`,
      max: (_req, key) => (key.endsWith("|w") ? opts.writePerMinute : opts.readPerMinute),
      allowList: (req) => req.routeOptions.config.health === true || req.routeOptions.config.noRateLimit === true,
      cache: 50_000,
      addHeadersOnExceeding: { "x-ratelimit-limit": false, "x-ratelimit-remaining": false, "x-ratelimit-reset": false },
      addHeaders: { "x-ratelimit-limit": false, "x-ratelimit-remaining": false, "x-ratelimit-reset": false, "retry-after": true },
      errorResponseBuilder: (_req, ctx) => new HttpError(429, { error: "rate_limited" }, { "retry-after": String(Math.max(1, Math.ceil(ctx.ttl / 1000))) }),
    });
  },
  { name: "renfort-rate-limit", dependencies: ["renfort-client-ip"] },
);
