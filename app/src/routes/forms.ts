import formbody from "@fastify/formbody";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preValidationHookHandler } from "fastify";
import { MISSION_SQL } from "../db/queries";
import { isDatabaseUnavailable } from "../db";
import { fieldsFromSchemaErrors, type SchemaError } from "../domain";
import { ACTIVATION_PATH, parseToken } from "../confirmation";
import { activatedPage, activationErrorPage, activationPage, errorPage, missionPage, signupPage, type MissionView } from "../html";
import { CACHE, HttpError, RETRY_AFTER, sendHtml } from "../http";
import { frenchPostcode, pastBirthdate } from "../plugins/domain-checks";
import { APPLY_FIELDS, SIGNUP_FIELDS, frenchErrors, keptValues, normalizeFormBody, type FieldSpec, type FormState } from "../pages/forms";
import { emailSchema, missionIdParam } from "./schemas";
import { volunteerBody } from "./volunteers";
import { activate, applyToMission, signUp, type SignupInput } from "../volunteer-flow";

/**
 * The pages' forms. Each posts to its page's own URL and works without JavaScript: the browser
 * sends `application/x-www-form-urlencoded` (@fastify/formbody, registered in this plugin only, so
 * the JSON API keeps answering 415 to it), and the answer is a 303 to the confirmation page or the
 * form again with a French message next to each wrong field and the values typed, escaped. The
 * enhancement script posts the same fields as JSON to the same URL and gets JSON back. The same
 * schema and domain rules as the JSON API apply. Answers are `no-store`; nothing personal is ever
 * put in a URL. https://github.com/fastify/fastify-formbody
 */

const applicationBody = {
  type: "object",
  additionalProperties: false,
  required: ["email"],
  properties: { email: emailSchema },
} as const;

/** The enhancement script's requests: JSON in, JSON out. */
function wantsJson(req: FastifyRequest): boolean {
  return String(req.headers["content-type"] ?? "").startsWith("application/json");
}

function normalize(fields: readonly FieldSpec[]): preValidationHookHandler {
  return function (req, _reply, done) {
    req.body = normalizeFormBody(fields, req.body);
    done();
  };
}

/** Messages per field from the schema (attached, not thrown) and the domain rules. */
function problemsOf(req: FastifyRequest, rules: Record<string, (v: string) => string | undefined> = {}): Record<string, string> {
  const validation = (req.validationError as (Error & { validation?: SchemaError[] }) | undefined)?.validation;
  const problems: Record<string, string> = validation ? fieldsFromSchemaErrors(validation, "body") : {};
  const body = req.body as Record<string, unknown>;
  // every wrong field at once: the domain rules too, on the fields the schema did not flag
  for (const [field, rule] of Object.entries(rules)) {
    const v = body[field];
    const p = typeof v === "string" && !problems[field] ? rule(v) : undefined;
    if (p) problems[field] = p;
  }
  return problems;
}

/** The form again (HTML) or its errors (JSON), `status` 400 or 409. */
function formFailed(req: FastifyRequest, reply: FastifyReply, status: number, state: FormState, render: (s: FormState) => string): FastifyReply {
  reply.code(status);
  if (wantsJson(req)) return reply.header("cache-control", CACHE.noStore).send({ error: "validation_failed", message: state.message, fields: state.errors });
  return sendHtml(reply, CACHE.noStore, render(state));
}

function succeeded(req: FastifyRequest, reply: FastifyReply, location: string): FastifyReply {
  reply.header("cache-control", CACHE.noStore);
  if (wantsJson(req)) return reply.code(201).send({ redirect: location });
  return reply.code(303).header("location", location).send();
}

/** The JSON error of each activation outcome (the HTML answer is a page saying the same). */
const ACTIVATION_ERRORS = { malformed: "malformed_token", unknown: "unknown_token", used: "token_used", expired: "token_expired" } as const;

const forms: FastifyPluginAsync = async (app) => {
  await app.register(formbody);

  // Errors of these routes (rate limit, body too large, database away...) answer a French page to a
  // browser posting a form, JSON to the enhancement script; the API's own handler stays as it is.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    let status = 500;
    let body: Record<string, unknown> = { error: "internal" };
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      status = err.statusCode;
      body = err.body;
    } else if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: { message: err.message, code: err.code } }, "database unavailable");
      reply.header("retry-after", String(RETRY_AFTER.database));
      status = 503;
      body = { error: "unavailable" };
    } else if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      status = 413;
      body = { error: "payload_too_large" };
    } else if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || err.code === "FST_ERR_CTP_INVALID_CONTENT_TYPE") {
      status = 415;
      body = { error: "unsupported_media_type" };
    } else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode === 429 ? 429 : 400;
      body = { error: status === 429 ? "rate_limited" : "bad_request" };
    } else {
      req.log.error({ err }, "unhandled error");
    }
    reply.code(status);
    if (wantsJson(req)) return reply.send({ ...body, message: errorPage(status).message });
    return reply.type("text/html; charset=utf-8").send(errorPage(status).html);
  });

  app.post(
    "/signup",
    { config: { degradedOk: true }, schema: { body: volunteerBody }, attachValidation: true, preValidation: normalize(SIGNUP_FIELDS) },
    async (req, reply) => {
      const body = req.body as Record<string, unknown>;
      const values = keptValues(SIGNUP_FIELDS, body);
      const problems = problemsOf(req, { zip: frenchPostcode, birthdate: pastBirthdate });
      if (Object.keys(problems).length) return formFailed(req, reply, 400, { values, ...frenchErrors(SIGNUP_FIELDS, problems) }, signupPage);
      // the same signup as POST /api/volunteers (routes/volunteers.ts): the confirmation page whatever
      // the address's state, so the form tells no one whether an address is registered
      await signUp(app.db, body as unknown as SignupInput);
      return succeeded(req, reply, "/signup/confirmation");
    },
  );

  app.post<{ Params: { id: string } }>(
    "/missions/:id/candidature",
    { schema: { body: applicationBody }, attachValidation: true, preValidation: normalize(APPLY_FIELDS) },
    async (req, reply) => {
      const missionId = missionIdParam(req.params.id);
      const mission = missionId ? (await app.db.pool.query<MissionView>({ name: "mission-by-id", text: MISSION_SQL, values: [missionId] })).rows[0] : undefined;
      if (!mission) {
        const { html, message } = errorPage(404);
        reply.code(404).header("cache-control", CACHE.noStore);
        return wantsJson(req) ? reply.send({ error: "mission_not_found", message }) : reply.type("text/html; charset=utf-8").send(html);
      }
      const body = req.body as Record<string, unknown>;
      const values = keptValues(APPLY_FIELDS, body);
      const render = (s: FormState) => missionPage(mission, s);
      const problems = problemsOf(req);
      if (Object.keys(problems).length) return formFailed(req, reply, 400, { values, ...frenchErrors(APPLY_FIELDS, problems) }, render);
      // the same as POST /api/missions/:id/applications (routes/missions.ts): a pending volunteer is unknown
      const r = await applyToMission(app.db, mission.id, body.email as string);
      if (!r.ok && r.error === "volunteer_not_found") {
        const state = {
          values,
          errors: { email: "Aucun bénévole actif n’est inscrit avec cette adresse : vérifiez-la, activez votre compte avec le lien reçu par e-mail, ou inscrivez-vous d’abord." },
          message: "Le formulaire contient une erreur : corrigez le champ signalé.",
        };
        return formFailed(req, reply, 400, state, render);
      }
      if (!r.ok) {
        const message = r.error === "already_applied" ? "Vous avez déjà candidaté à cette mission." : "Cette mission vient d’être complète : choisissez-en une autre.";
        return formFailed(req, reply, 409, { values, errors: {}, message }, render);
      }
      return succeeded(req, reply, "/candidature/confirmation");
    },
  );

  // The mailed link opens a page with a button; only the button's POST activates, because mail
  // scanners open (GET) the links of the mails they inspect.
  app.get<{ Querystring: { jeton?: unknown } }>(ACTIVATION_PATH, async (req, reply) => {
    const token = parseToken(req.query.jeton);
    if (!token) return sendHtml(reply.code(400), CACHE.noStore, activationErrorPage(400).html);
    return sendHtml(reply, CACHE.noStore, activationPage(token));
  });

  app.post(ACTIVATION_PATH, async (req, reply) => {
    reply.header("cache-control", CACHE.noStore);
    const body = req.body && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {};
    const token = parseToken(body.jeton);
    const outcome = token ? await activate(app.db, token) : "malformed";
    const status = ({ activated: 200, malformed: 400, unknown: 404, used: 409, expired: 410 } as const)[outcome];
    if (status === 200) return wantsJson(req) ? reply.send({ status: "active" }) : sendHtml(reply, CACHE.noStore, activatedPage());
    const page = activationErrorPage(status);
    reply.code(status);
    if (wantsJson(req)) return reply.send({ error: ACTIVATION_ERRORS[outcome as Exclude<typeof outcome, "activated">], message: page.message });
    return reply.type("text/html; charset=utf-8").send(page.html);
  });
};
export default forms;
