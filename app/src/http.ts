import type { FastifyReply } from "fastify";

/**
 * The HTTP conventions every plugin and route shares: cache policies, Retry-After delays, the error
 * a hook throws to answer with a given status, and the HTML reply.
 */

export const CACHE = {
  page: "public, max-age=60, s-maxage=300, stale-while-revalidate=60",
  list: "public, max-age=30, s-maxage=60, stale-while-revalidate=30",
  staticPage: "public, max-age=300, s-maxage=3600",
  notFound: "public, max-age=30, s-maxage=30",
  immutable: "public, max-age=31536000, immutable",
  noStore: "no-store",
} as const;

/** Seconds a client should wait before retrying each kind of 503. */
export const RETRY_AFTER = { degraded: 60, overloaded: 2, database: 5, timeout: 5 } as const;

/** An answer decided before the handler (rate limit...): the error handler sends it as is. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.error));
  }
}

export function sendHtml(reply: FastifyReply, cache: string, body: string): FastifyReply {
  return reply.header("cache-control", cache).type("text/html; charset=utf-8").send(body);
}

/** The 400 every route answers for a body that passed the schema but breaks a domain rule. */
export function validationFailed(reply: FastifyReply, fields: Record<string, string>): FastifyReply {
  return reply.code(400).send({ error: "validation_failed", fields });
}

/** What an instance knows of the fleet-wide mode (see plugins/admission.ts). */
export interface AppState {
  degraded: boolean;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** still served in degraded mode */
    degradedOk?: boolean;
    /**
     * /healthz and /readyz: no rate limit (the load balancers' checks come from a few addresses), no load
     * shedding (neither runs a query; see plugins/admission.ts)
     */
    health?: boolean;
  }
  interface FastifyRequest {
    /** the client's address, from the trusted proxies' headers (plugins/client-ip.ts) */
    clientIp: string;
  }
  interface FastifyInstance {
    renfort: AppState;
  }
}
