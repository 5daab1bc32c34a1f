import { loadConfig } from "../../app/src/config";
import { BACKEND_HEALTH_CHECK, backendHealthCheckArgs, markedDownWithinMs } from "./health-check";
import { renderCloudInit } from "../fleet/cloud-init";

describe("the load balancers' backend health check", () => {
  it("calls the app's readiness, not its liveness", () => {
    expect(backendHealthCheckArgs(8080)).toEqual({
      healthCheckHttp: { uri: "/readyz", method: "GET", code: 200 },
      healthCheckPort: 8080,
      healthCheckDelay: "5s",
      healthCheckTimeout: "3s",
      healthCheckMaxRetries: 3,
    });
  });

  it("marks a failing server down within delay x retries", () => {
    expect(markedDownWithinMs()).toBe(15_000);
    expect(markedDownWithinMs({ delaySeconds: 10, maxRetries: 2 })).toBe(20_000);
  });

  it("is shorter than the app's default SIGTERM drain, and the drain fits in docker's stop timeout", () => {
    const drain = loadConfig({}).shutdownDrainMs;
    expect(drain).toBeGreaterThanOrEqual(markedDownWithinMs(BACKEND_HEALTH_CHECK));
    // the app exits at the latest 25 s after SIGTERM (app/src/main.ts), before docker's SIGKILL
    const cloudInit = renderCloudInit({
      image: `rg.fr-par.scw.cloud/ns/app@sha256:${"a".repeat(64)}`,
      appPort: 8080,
      plainEnv: { PORT: "8080" },
      secretEnv: { DATABASE_URL: "postgres://x" },
      registryPassword: "p",
      databaseCaCertificate: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
    });
    const stopSeconds = Number(/docker stop --time (\d+)/.exec(cloudInit)?.[1]);
    expect(drain).toBeLessThan(25_000);
    expect(25_000).toBeLessThan(stopSeconds * 1000);
  });
});
