import { randomBytes } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { ORGANIZATION_EXISTS_SQL, ORGANIZATION_VALIDATED_MAIL_SQL, VALIDATE_ORGANIZATION_SQL } from "../db/queries";
import { CACHE } from "../http";
import { UUID, sha256 } from "../plugins/auth";
import { Rollback } from "../plugins/db";
import { textSchema } from "./schemas";

const degradedModeBody = {
  type: "object",
  additionalProperties: false,
  required: ["enabled", "reason"],
  properties: { enabled: { type: "boolean" }, reason: textSchema(500) },
} as const;

/** Operator actions, behind the admin bearer token. */
const admin: FastifyPluginAsync = async (app) => {
  // The switch itself stays writable in degraded mode (the way out of it). Each instance answers
  // with its id and the mode it applies, so ops can see the flip reach every instance.
  app.get("/api/admin/degraded-mode", { config: { degradedOk: true }, preHandler: app.authenticateAdmin }, async (_req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    return { instance: app.degradedMode.instanceId, ...app.degradedMode.state };
  });

  app.put<{ Body: { enabled: boolean; reason: string } }>(
    "/api/admin/degraded-mode",
    { config: { degradedOk: true }, schema: { body: degradedModeBody }, preHandler: app.authenticateAdmin },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      let state;
      try {
        state = await app.degradedMode.set(req.body.enabled, req.body.reason.trim());
      } catch (err) {
        // this release runs before its migration (undefined_table): say so rather than 500
        if ((err as { code?: string }).code === "42P01") return reply.code(503).header("retry-after", "10").send({ error: "migrations_pending" });
        throw err;
      }
      req.log.warn({ degraded: state.enabled, reason: state.reason, changedAt: state.changedAt, instance: app.degradedMode.instanceId }, "degraded mode set");
      return { instance: app.degradedMode.instanceId, ...state };
    },
  );

  app.post<{ Params: { id: string } }>("/api/admin/organizations/:id/validate", { preHandler: app.authenticateAdmin }, async (req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    if (!UUID.test(req.params.id)) return reply.code(404).send({ error: "organization_not_found" });
    const orgToken = randomBytes(32).toString("base64url");
    try {
      const org = await app.db.transaction(async (c) => {
        const u = await c.query<{ id: string; email: string; name: string }>(VALIDATE_ORGANIZATION_SQL, [req.params.id, sha256(orgToken)]);
        const row = u.rows[0];
        if (!row) {
          const e = await c.query(ORGANIZATION_EXISTS_SQL, [req.params.id]);
          throw new Rollback(e.rowCount ? ("already_validated" as const) : ("organization_not_found" as const));
        }
        // The token travels only in the outbox row, which the worker scrubs once the mail is sent.
        await c.query(ORGANIZATION_VALIDATED_MAIL_SQL, [row.email, row.id, JSON.stringify({ name: row.name, token: orgToken })]);
        return row;
      });
      return { id: org.id, status: "validated" };
    } catch (err) {
      if (err instanceof Rollback) return reply.code(err.value === "already_validated" ? 409 : 404).send({ error: err.value });
      throw err;
    }
  });
};
export default admin;
