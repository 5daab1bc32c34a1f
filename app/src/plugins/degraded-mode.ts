import fp from "fastify-plugin";
import { DegradedMode } from "../degraded-mode";
import "../http";

declare module "fastify" {
  interface FastifyInstance {
    degradedMode: DegradedMode;
  }
}

/**
 * The fleet-wide switch (src/degraded-mode.ts) as the app sees it: `app.renfort.degraded`, which
 * admission control reads on every request, follows each change of the switch. Given a started
 * switch (serve() does), the instance starts in the current mode; without one, a switch over the
 * app's pool that is not watched (tests drive it in-process).
 */
export default fp<{ degradedMode?: DegradedMode; defaultEnabled: boolean; instanceId: string }>(
  async (app, opts) => {
    const mode = opts.degradedMode ?? new DegradedMode({ pool: app.db.pool, defaultEnabled: opts.defaultEnabled, instanceId: opts.instanceId });
    app.renfort.degraded = mode.state.enabled;
    mode.onChange((s) => {
      app.renfort.degraded = s.enabled;
    });
    app.decorate("degradedMode", mode);
  },
  { name: "renfort-degraded-mode", dependencies: ["renfort-db"] },
);
