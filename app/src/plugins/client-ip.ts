import fp from "fastify-plugin";
import { clientIp, type Cidr } from "../client-ip";
import "../http";

/** Sets `req.clientIp` before anything keys on it (rate limits, access log). */
export default fp<{ trustedProxies: Cidr[] }>(
  async (app, opts) => {
    app.decorateRequest("clientIp", "");
    // Callback-style hooks on the hot path: no promise per request per hook.
    app.addHook("onRequest", (req, _reply, done) => {
      req.clientIp = clientIp(req.socket.remoteAddress, req.headers, opts.trustedProxies);
      done();
    });
  },
  { name: "renfort-client-ip" },
);
