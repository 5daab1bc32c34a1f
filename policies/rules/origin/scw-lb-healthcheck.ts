import { resourcePolicy } from "../../lib/policy";
import { T, as, type LbBackendProps } from "../../lib/types";

export interface Config {
  path: string;
}

/**
 * A TCP check only proves the port is open, and the app's liveness `/healthz` only that the process
 * answers: a release whose database access is broken passes both, passes the fleet's release gate and
 * answers 500. The app's readiness `/readyz` is healthy only once a database round trip as the app role
 * succeeded with every migration applied (components/origin/health-check.ts, app/src/readiness.ts).
 */
export const scwLbHealthcheck = resourcePolicy<Config>(
  {
    name: "scw-lb-healthcheck",
    description: "Every load balancer backend checks the app's HTTP readiness endpoint (/readyz: database included), not a TCP port or liveness.",
    severity: "medium",
    remediationSteps: 'Set `healthCheckHttp: { uri: "/readyz", method: "GET", code: 200 }` (or healthCheckHttps) on the Backend: components/origin/health-check.ts.',
    url: "https://www.scaleway.com/en/docs/load-balancer/reference-content/configuring-health-checks/",
    configSchema: {
      properties: {
        path: { type: "string", default: "/readyz", description: "Endpoint the check must call (empty = any path)." },
      },
    },
  },
  T.lbBackend,
  ({ props, config, report }) => {
    const p = as<LbBackendProps>(props);
    const uri = p.healthCheckHttp?.uri ?? p.healthCheckHttps?.uri;
    if (uri === undefined) {
      report(`the backend has no HTTP(S) health check${p.healthCheckTcp ? " (only TCP)" : ""}: set healthCheckHttp.uri to "${config.path || "/readyz"}".`);
    } else if (config.path && uri.split("?")[0] !== config.path) {
      const liveness = uri.split("?")[0] === "/healthz" ? " (the app's liveness: it passes with the database unreachable)" : "";
      report(`the backend health check calls "${uri}"${liveness}: call the app's readiness endpoint "${config.path}".`);
    }
  },
);
