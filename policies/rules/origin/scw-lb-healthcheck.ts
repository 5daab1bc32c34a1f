import { resourcePolicy } from "../../lib/policy";
import { T, as, type LbBackendProps } from "../../lib/types";

export interface Config {
  path: string;
}

/** A TCP check only proves the port is open; the app's /healthz proves it can serve. */
export const scwLbHealthcheck = resourcePolicy<Config>(
  {
    name: "scw-lb-healthcheck",
    description: "Every load balancer backend checks the app's HTTP health endpoint.",
    severity: "medium",
    remediationSteps: 'Set `healthCheckHttp: { uri: "/healthz", method: "GET", code: 200 }` (or healthCheckHttps) on the Backend.',
    url: "https://www.scaleway.com/en/docs/load-balancer/reference-content/configuring-health-checks/",
    configSchema: {
      properties: {
        path: { type: "string", default: "/healthz", description: "Health endpoint the check must call (empty = any path)." },
      },
    },
  },
  T.lbBackend,
  ({ props, config, report }) => {
    const p = as<LbBackendProps>(props);
    const uri = p.healthCheckHttp?.uri ?? p.healthCheckHttps?.uri;
    if (uri === undefined) {
      report(`the backend has no HTTP(S) health check${p.healthCheckTcp ? " (only TCP)" : ""}: set healthCheckHttp.uri to "${config.path || "/healthz"}".`);
    } else if (config.path && uri.split("?")[0] !== config.path) {
      report(`the backend health check calls "${uri}": call the app's health endpoint "${config.path}".`);
    }
  },
);
