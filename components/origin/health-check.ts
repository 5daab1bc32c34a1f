/**
 * The load balancers' backend health check, one definition for both load balancers (./index.ts), the
 * policy pack's expectation (policies/config/<stack>.json, `scw-lb-healthcheck`) and the app's drain.
 *
 * It calls the app's readiness, `GET /readyz` (app/src/readiness.ts), not its liveness `/healthz`: an
 * instance counts as healthy only once a database round trip as the app role succeeded with every
 * migration of its release applied. So a release whose database access is broken (wrong password, CA,
 * host) never gets healthy, the fleet's release health gate (components/fleet/health-gate.ts, which reads
 * these checks' results) fails, and the previous release keeps serving; with `/healthz` such a release
 * passed the gate and answered 500 (the twin's release drill showed it). The previous release's `/readyz`
 * stays 200 on the new schema during a rollout (it reads `applied_migrations()`, and migrations are
 * expand/contract: app/test/expand-contract.test.ts). `/readyz` runs no query and is never shed by load
 * (app/src/plugins/admission.ts), so the check adds no database load and a busy instance is not taken out.
 * The path stays denied at the edge and by the frontends' ACLs (./acls.ts): the checks go to the
 * backend servers directly, on the private network, not through a frontend.
 *
 * Timing, verified in scaleway-sdk-go api/lb/v1/lb_sdk.go (`HealthCheck`: "CheckDelay: time to wait
 * between two consecutive health checks", "CheckMaxRetries: number of consecutive unsuccessful health
 * checks after which the server will be considered dead";
 * https://github.com/scaleway/scaleway-sdk-go/blob/master/api/lb/v1/lb_sdk.go); the twin renders them as
 * HAProxy's `inter` and `fall`. On SIGTERM the app answers 503 on /readyz and keeps serving for
 * SHUTDOWN_DRAIN_MS (default 16 s) >= {@link markedDownWithinMs} before it stops accepting;
 * components/origin/health-check.test.ts ties the two.
 */
export const BACKEND_HEALTH_CHECK = {
  /** the app's readiness endpoint */
  path: "/readyz",
  method: "GET",
  code: 200,
  delaySeconds: 5,
  timeoutSeconds: 3,
  maxRetries: 3,
} as const;

/** The Scaleway Backend's health-check arguments, for the app on `port`. */
export function backendHealthCheckArgs(port: number) {
  const c = BACKEND_HEALTH_CHECK;
  return {
    healthCheckHttp: { uri: c.path, method: c.method, code: c.code },
    healthCheckPort: port,
    healthCheckDelay: `${c.delaySeconds}s`,
    healthCheckTimeout: `${c.timeoutSeconds}s`,
    healthCheckMaxRetries: c.maxRetries,
  };
}

/**
 * At most how long, once /readyz turns 503, until every load balancer has marked the server down: the
 * next check comes within one delay, then `maxRetries` failures in a row, one delay apart (each fails
 * at once: the app answers 503 without waiting).
 */
export function markedDownWithinMs(c: { delaySeconds: number; maxRetries: number } = BACKEND_HEALTH_CHECK): number {
  return c.delaySeconds * c.maxRetries * 1000;
}
