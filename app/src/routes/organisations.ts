import type { FastifyPluginAsync } from "fastify";
import { MISSION_INSERT_SQL, ORGANIZATION_INSERT_SQL } from "../db/queries";
import { departmentFromZip } from "../domain";
import { CACHE } from "../http";
import { checkBody, frenchPostcode } from "../plugins/domain-checks";
import { LONG_TEXT, NO_CONTROL, emailSchema, textSchema, zipSchema } from "./schemas";

const organizationBody = {
  type: "object",
  additionalProperties: false,
  required: ["name", "email", "zip"],
  properties: { name: textSchema(200), email: emailSchema, zip: zipSchema },
} as const;

const missionBody = {
  type: "object",
  additionalProperties: false,
  required: ["title", "description", "zip", "places"],
  properties: {
    title: textSchema(200),
    description: { type: "string", minLength: 1, maxLength: 5000, pattern: LONG_TEXT },
    zip: zipSchema,
    city: { type: "string", maxLength: 100, pattern: NO_CONTROL },
    places: { type: "integer", minimum: 1, maximum: 10000 },
  },
} as const;

/** Organisations register (pending until an admin validates them), then publish missions with their token. */
const organisations: FastifyPluginAsync = async (app) => {
  app.post<{ Body: { name: string; email: string; zip: string } }>(
    "/api/organizations",
    { schema: { body: organizationBody }, preHandler: checkBody({ zip: frenchPostcode }) },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      const r = await app.db.pool.query<{ id: string }>({
        name: "org-insert",
        text: ORGANIZATION_INSERT_SQL,
        values: [req.body.name.trim(), req.body.email, req.body.zip],
      });
      if (!r.rows[0]) return reply.code(409).send({ error: "email_taken" });
      return reply.code(201).send({ id: r.rows[0].id, status: "pending" });
    },
  );

  app.post<{ Params: { id: string }; Body: { title: string; description: string; zip: string; city?: string; places: number } }>(
    "/api/organizations/:id/missions",
    { schema: { body: missionBody }, preHandler: [app.authenticateOrganization, checkBody({ zip: frenchPostcode })] },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      const b = req.body;
      const r = await app.db.pool.query<{ id: string }>(MISSION_INSERT_SQL, [
        req.params.id,
        b.title.trim(),
        b.description.trim(),
        b.zip,
        departmentFromZip(b.zip),
        b.city?.trim() || null,
        b.places,
      ]);
      return reply.code(201).send({ id: r.rows[0]!.id });
    },
  );
};
export default organisations;
