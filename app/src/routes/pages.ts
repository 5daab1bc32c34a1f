import type { FastifyPluginAsync } from "fastify";
import { accessibilityPage, applicationConfirmationPage, confirmationPage, homePage, personalDataPage, signupPage } from "../html";
import { CACHE, sendHtml } from "../http";
import forms from "./forms";

/**
 * The static pages (cacheable by the CDN: `s-maxage`, never a cookie) and the forms' endpoints.
 * Signup, its confirmation and the legal pages stay up in degraded mode.
 */
const pages: FastifyPluginAsync = async (app) => {
  app.get("/", async (_req, reply) => sendHtml(reply, CACHE.page, homePage()));
  app.get("/signup", { config: { degradedOk: true } }, async (_req, reply) => sendHtml(reply, CACHE.staticPage, signupPage()));
  app.get("/signup/confirmation", { config: { degradedOk: true } }, async (_req, reply) => sendHtml(reply, CACHE.staticPage, confirmationPage()));
  app.get("/candidature/confirmation", async (_req, reply) => sendHtml(reply, CACHE.staticPage, applicationConfirmationPage()));
  app.get("/accessibilite", { config: { degradedOk: true } }, async (_req, reply) => sendHtml(reply, CACHE.staticPage, accessibilityPage()));
  app.get("/donnees-personnelles", { config: { degradedOk: true } }, async (_req, reply) => sendHtml(reply, CACHE.staticPage, personalDataPage()));
  await app.register(forms);
};
export default pages;
