import fp from "fastify-plugin";
import rateLimit from "@fastify/rate-limit";
import { rateLimitKey } from "../client-ip";
import { HttpError } from "../http";

/** The signup endpoint: its own bucket, as at the edge (components/edge/rules.ts `rate_limit_signup`). */
const SIGNUP_PATH = "/api/volunteers";

export interface RateLimitOptions {
  /** POST /api/volunteers per client per minute */
  signupPerMinute: number;
  /** every other write per client per minute */
  writePerMinute: number;
  /** reads per client per minute */
  readPerMinute: number;
}

/**
 * Per-client backstop rate limits, keyed on `req.clientIp` (plugins/client-ip.ts), an IPv6 client by
 * its /64 (`rateLimitKey`); signups, other writes and reads count separately, liveness and readiness
 * are exempt. The fleet sets the limits from the edge's own (`renfort:edge.rateLimits`, see
 * components/fleet/cloud-init.ts `backstopPerMinute`), so that no instance blocks what the edge lets
 * through. https://github.com/fastify/fastify-rate-limit
 */
export default fp<RateLimitOptions>(
  async (app, opts) => {
    const limits: Record<string, number> = { s: opts.signupPerMinute, w: opts.writePerMinute, r: opts.readPerMinute };
    await app.register(rateLimit, {
      global: true,
      timeWindow: 60_000,
      keyGenerator: (req) => {
        const read = req.method === "GET" || req.method === "HEAD";
        const path = req.url.split("?", 1)[0]!;
        const bucket = read ? "r" : path === SIGNUP_PATH || path.startsWith(`${SIGNUP_PATH}/`) ? "s" : "w";
        return `${rateLimitKey(req.clientIp)}|${bucket}`;
      },
      max: (_req, key) => limits[key.slice(-1)] ?? opts.writePerMinute,
      allowList: (req) => req.routeOptions.config.health === true,
      cache: 50_000,
      addHeadersOnExceeding: { "x-ratelimit-limit": false, "x-ratelimit-remaining": false, "x-ratelimit-reset": false },
      addHeaders: { "x-ratelimit-limit": false, "x-ratelimit-remaining": false, "x-ratelimit-reset": false, "retry-after": true },
      errorResponseBuilder: (_req, ctx) => new HttpError(429, { error: "rate_limited" }, { "retry-after": String(Math.max(1, Math.ceil(ctx.ttl / 1000))) }),
    });
  },
  { name: "renfort-rate-limit", dependencies: ["renfort-client-ip"] },
);
