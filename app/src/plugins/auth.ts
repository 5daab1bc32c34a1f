import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import fp from "fastify-plugin";
import { ipInCidrs, type Cidr } from "../client-ip";
import { ORGANIZATION_BY_TOKEN_SQL } from "../db/queries";

/**
 * Bearer authentication, as preHandlers a route lists in its options (so it runs after schema
 * validation, before the handler): `app.authenticateAdmin` checks the admin token,
 * `app.authenticateOrganization` the token of the validated organization named by `:id`. The admin
 * API also answers only the operators' addresses (`ADMIN_ALLOWED_CIDRS`, checked on the real client IP
 * that plugins/client-ip.ts resolved from the trusted proxies' headers): one leaked token is not enough
 * from anywhere else.
 */

declare module "fastify" {
  interface FastifyInstance {
    authenticateAdmin: preHandlerAsyncHookHandler;
    authenticateOrganization: preHandlerAsyncHookHandler;
  }
}

export function sha256(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when absent or malformed. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== "string") return undefined;
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{16,512})$/.exec(h.trim());
  return m?.[1];
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function unauthorized(reply: FastifyReply): FastifyReply {
  return reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized" });
}

export default fp<{ adminToken: string | undefined; adminAllowedCidrs: readonly Cidr[] }>(
  async (app, opts) => {
    const adminDigest = opts.adminToken ? sha256(opts.adminToken) : undefined;

    app.decorate("authenticateAdmin", async function (req: FastifyRequest, reply: FastifyReply) {
      if (!ipInCidrs(req.clientIp, opts.adminAllowedCidrs)) {
        req.log.warn({ ip: req.clientIp, route: req.routeOptions.url }, "admin API refused: client address not allowed");
        return reply.code(403).send({ error: "forbidden" });
      }
      const token = bearerToken(req);
      // Compare digests in constant time so the comparison leaks neither content nor length.
      if (!adminDigest || !token || !timingSafeEqual(sha256(token), adminDigest)) return unauthorized(reply);
      return undefined;
    } as preHandlerAsyncHookHandler);

    app.decorate("authenticateOrganization", async function (req: FastifyRequest, reply: FastifyReply) {
      const token = bearerToken(req);
      const id = (req.params as { id?: string }).id ?? "";
      if (!token || !UUID.test(id)) return unauthorized(reply);
      const o = await app.db.pool.query({ name: "org-by-token", text: ORGANIZATION_BY_TOKEN_SQL, values: [sha256(token), id] });
      if (!o.rowCount) return unauthorized(reply);
      return undefined;
    } as preHandlerAsyncHookHandler);
  },
  { name: "renfort-auth", dependencies: ["renfort-db"] },
);
