import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from "fastify";
import { checkBirthdate, departmentFromZip } from "../domain";
import { validationFailed } from "../http";

/**
 * Domain rules a JSON schema cannot express, checked after the schema and before the handler, each
 * rule written once: a preHandler answers 400 naming every field that breaks one.
 */

export type FieldRule = (value: string) => string | undefined;

export const frenchPostcode: FieldRule = (zip) => (departmentFromZip(zip) === undefined ? "is not a French postcode" : undefined);
export const pastBirthdate: FieldRule = (value) => checkBirthdate(value, new Date());

/** A preHandler applying `rules` to the body's fields that are present. */
export function checkBody(rules: Record<string, FieldRule>): preHandlerHookHandler {
  const entries = Object.entries(rules);
  return function (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
    const body = req.body as Record<string, unknown>;
    let fields: Record<string, string> | undefined;
    for (const [field, rule] of entries) {
      const v = body[field];
      if (typeof v !== "string") continue;
      const problem = rule(v);
      if (problem) (fields ??= {})[field] = problem;
    }
    if (fields) {
      validationFailed(reply, fields);
      return;
    }
    done();
  };
}
