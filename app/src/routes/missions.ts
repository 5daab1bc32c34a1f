import type { FastifyPluginAsync } from "fastify";
import { MISSION_EXISTS_SQL, MISSION_SQL, listMissionsQuery } from "../db/queries";
import { normalizeDepartment } from "../domain";
import { missionListPage, missionPage, notFoundPage, type MissionView } from "../html";
import { CACHE, sendHtml } from "../http";
import { applyToMission } from "../volunteer-flow";
import { emailSchema, missionIdParam } from "./schemas";

const listQuery = {
  type: "object",
  properties: {
    zip: { type: "string", maxLength: 5 },
    department: { type: "string", maxLength: 3 },
  },
} as const;

const applicationBody = {
  type: "object",
  additionalProperties: false,
  required: ["email"],
  properties: { email: emailSchema },
} as const;

type Filters = { zip?: string; department?: string };

/** A filter the query understands: a valid zip wins, else a known département, else none. */
function filtersFrom(q: Filters): Filters {
  const out: Filters = {};
  if (q.zip !== undefined && /^\d{5}$/.test(q.zip)) out.zip = q.zip;
  else if (q.department !== undefined) {
    const d = normalizeDepartment(q.department);
    if (d) out.department = d;
  }
  return out;
}

/** Mission search and pages (cacheable by the CDN), and applying to a mission. */
const missions: FastifyPluginAsync = async (app) => {
  const { db } = app;

  async function listMissions(q: Filters): Promise<MissionView[]> {
    const r = await db.pool.query<MissionView>(listMissionsQuery(filtersFrom(q)));
    return r.rows;
  }

  async function getMission(id: string): Promise<MissionView | undefined> {
    const r = await db.pool.query<MissionView>({ name: "mission-by-id", text: MISSION_SQL, values: [id] });
    return r.rows[0];
  }

  app.get<{ Querystring: Filters }>("/missions", { schema: { querystring: listQuery } }, async (req, reply) => {
    const missions = await listMissions(req.query);
    return sendHtml(reply, CACHE.list, missionListPage(missions, filtersFrom(req.query)));
  });

  app.get<{ Params: { id: string } }>("/missions/:id", async (req, reply) => {
    const id = missionIdParam(req.params.id);
    const m = id ? await getMission(id) : undefined;
    if (!m) return sendHtml(reply.code(404), CACHE.notFound, notFoundPage());
    return sendHtml(reply, CACHE.page, missionPage(m));
  });

  app.get<{ Querystring: Filters }>("/api/missions", { schema: { querystring: listQuery } }, async (req, reply) => {
    const missions = await listMissions(req.query);
    reply.header("cache-control", CACHE.list);
    return { missions: missions.map((m) => ({ ...m, placesLeft: m.places - m.placesTaken })) };
  });

  app.get<{ Params: { id: string } }>("/api/missions/:id", async (req, reply) => {
    const id = missionIdParam(req.params.id);
    const m = id ? await getMission(id) : undefined;
    if (!m) {
      reply.code(404).header("cache-control", CACHE.notFound);
      return { error: "not_found" };
    }
    reply.header("cache-control", CACHE.page);
    return { ...m, placesLeft: m.places - m.placesTaken };
  });

  app.post<{ Params: { id: string }; Body: { email: string } }>(
    "/api/missions/:id/applications",
    { schema: { body: applicationBody } },
    async (req, reply) => {
      reply.header("cache-control", CACHE.noStore);
      const missionId = missionIdParam(req.params.id);
      const exists = missionId ? (await db.pool.query({ name: "mission-exists", text: MISSION_EXISTS_SQL, values: [missionId] })).rowCount : 0;
      if (!missionId || !exists) return reply.code(404).send({ error: "mission_not_found" });
      const r = await applyToMission(db, missionId, req.body.email);
      if (!r.ok) return reply.code(r.error === "volunteer_not_found" ? 404 : 409).send({ error: r.error });
      return reply.code(201).send({ id: r.id, missionId, placesLeft: r.placesLeft });
    },
  );
};
export default missions;
