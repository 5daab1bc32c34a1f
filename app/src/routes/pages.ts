import type { FastifyPluginAsync } from "fastify";
import { confirmationPage, homePage, signupPage } from "../html";
import { CACHE, sendHtml } from "../http";

/** The static pages; signup and its confirmation stay up in degraded mode. */
const pages: FastifyPluginAsync = async (app) => {
  app.get("/", async (_req, reply) => sendHtml(reply, CACHE.page, homePage()));
  app.get("/signup", { config: { degradedOk: true } }, async (_req, reply) => sendHtml(reply, CACHE.staticPage, signupPage()));
  app.get("/signup/confirmation", { config: { degradedOk: true } }, async (_req, reply) => sendHtml(reply, CACHE.staticPage, confirmationPage()));
};
export default pages;
