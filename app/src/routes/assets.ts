import type { FastifyPluginAsync } from "fastify";
import { assetsByName } from "../assets";
import { CACHE } from "../http";

/** Fingerprinted static assets, immutable. */
const assets: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { name: string } }>("/assets/:name", { config: { degradedOk: true } }, async (req, reply) => {
    const a = assetsByName.get(req.params.name);
    if (!a) {
      reply.code(404).header("cache-control", CACHE.notFound);
      return { error: "not_found" };
    }
    return reply.header("cache-control", CACHE.immutable).type(a.contentType).send(a.body);
  });
};
export default assets;
