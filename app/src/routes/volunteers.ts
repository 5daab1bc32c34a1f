import type { FastifyPluginAsync } from "fastify";
import { CACHE } from "../http";
import { signUp } from "../volunteer-flow";
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

/** The one answer to every signup accepted by the schema, whatever the address's state (README, security). */
export const SIGNUP_ACCEPTED = { status: "pending_confirmation" } as const;

const acceptedVolunteer = {
  202: { type: "object", properties: { status: { type: "string" } }, required: ["status"] },
} as const;

/**
 * Volunteer signup: the one write kept in degraded mode. 202 and the same body whether the address is
 * new, pending or active (volunteer-flow.ts `signUp`): only the owner of the address learns, by mail,
 * which it was.
 */
const volunteers: FastifyPluginAsync = async (app) => {
  app.post<{ Body: { email: string; firstName: string; lastName: string; zip: string; phone?: string; birthdate?: string } }>(
    "/api/volunteers",
    {
      config: { degradedOk: true },
      schema: { body: volunteerBody, response: acceptedVolunteer },
      preHandler: checkBody({ zip: frenchPostcode, birthdate: pastBirthdate }),
    },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      await signUp(app.db, req.body);
      return reply.code(202).send(SIGNUP_ACCEPTED);
    },
  );
};
export default volunteers;
