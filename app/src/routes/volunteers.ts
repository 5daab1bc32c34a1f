import type { FastifyPluginAsync } from "fastify";
import { SIGNUP_SQL } from "../db/queries";
import { CACHE } from "../http";
import { checkBody, frenchPostcode, pastBirthdate } from "../plugins/domain-checks";
import { emailSchema, textSchema, zipSchema } from "./schemas";

export const volunteerBody = {
  type: "object",
  additionalProperties: false,
  required: ["email", "firstName", "lastName", "zip"],
  properties: {
    email: emailSchema,
    firstName: textSchema(100),
    lastName: textSchema(100),
    zip: zipSchema,
    phone: { type: "string", maxLength: 20, pattern: "^\\+?[0-9][0-9 .-]{5,19}$" },
    birthdate: { type: "string", maxLength: 10, pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" },
  },
} as const;

const createdVolunteer = {
  201: { type: "object", properties: { id: { type: "string" }, status: { type: "string" } }, required: ["id", "status"] },
} as const;

/** Volunteer signup: the one write kept in degraded mode. The welcome mail goes through the outbox. */
const volunteers: FastifyPluginAsync = async (app) => {
  app.post<{ Body: { email: string; firstName: string; lastName: string; zip: string; phone?: string; birthdate?: string } }>(
    "/api/volunteers",
    {
      config: { degradedOk: true },
      schema: { body: volunteerBody, response: createdVolunteer },
      preHandler: checkBody({ zip: frenchPostcode, birthdate: pastBirthdate }),
    },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      const b = req.body;
      const r = await app.db.pool.query<{ volunteer_id: string }>({
        name: "signup",
        text: SIGNUP_SQL,
        values: [b.email, b.firstName.trim(), b.lastName.trim(), b.zip, b.phone ?? null, b.birthdate ?? null],
      });
      if (r.rowCount === 0) return reply.code(409).send({ error: "email_taken" });
      return reply.code(201).send({ id: r.rows[0]!.volunteer_id, status: "pending" });
    },
  );
};
export default volunteers;
