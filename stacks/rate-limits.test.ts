/**
 * One source for the rate limits: the edge's rules and the app's backstops both come from
 * `renfort:edge.rateLimits`, and the fleet as a whole is never stricter than the edge. For each committed
 * stack this reads the edge rule the program declares (threshold, period), the environment the fleet's
 * cloud-init gives the app, and the app's limiter itself (the real app, driven over HTTP by one client).
 */
import type { AddressInfo } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import pg from "pg";
import { buildApp } from "../app/src/app";
import { loadConfig } from "../app/src/config";
import { rateLimitRules } from "../components/edge/rules";
import { plainAppEnv } from "../components/fleet/cloud-init";
import { fleetArgsFromConfig } from "./wiring/fleet";
import { committedRaw } from "../tools/plan/testing";
import { parseConfig } from "./config";

/** A town hall signing its volunteers up from one address within a minute. */
const TOWN_HALL_SIGNUPS_PER_MINUTE = 100;

function stack(name: "staging" | "prod") {
  const cfg = parseConfig(committedRaw(name));
  const edge = Object.fromEntries(rateLimitRules(cfg.edge.plan, cfg.edge.rateLimits).map((r) => [r.ref, r.ratelimit!]));
  const args = fleetArgsFromConfig(cfg, { adminToken: pulumi.secret("t".repeat(40)) }, { privateNetworkId: "pn", loadBalancers: [], appDatabaseUrl: "postgres://x", databaseCaCertificate: "", smtpUrl: "smtp://x" });
  const env = plainAppEnv({
    appPort: args.appPort ?? 8080,
    mailFrom: args.app.mailFrom,
    publicUrl: args.app.publicUrl,
    trustedProxies: args.app.trustedProxies,
    degradedMode: false,
    poolSize: args.capacity.poolSize,
    logLevel: "info",
    rateLimits: args.app.rateLimits,
    adminAllowedCidrs: args.app.adminAllowedCidrs,
  });
  return { cfg, edge, env };
}

/** The most one client gets through an edge limit in any 60 s: the edge windows a minute overlaps, each full. */
function edgeMaxInAMinute(limit: { period: number; requestsPerPeriod: number }): number {
  return limit.requestsPerPeriod * (Math.ceil(60 / limit.period) + 1);
}

/** Sends `n` signups (invalid bodies: the limiter counts before validation, no database needed) from one client. */
async function signupStatuses(env: Record<string, string>, n: number): Promise<number[]> {
  // The secret env (database, SMTP) is not the point here; the plain env is what the fleet renders.
  const config = loadConfig({ ...env, SMTP_URL: "smtp://127.0.0.1:1", LOG_LEVEL: "silent", PORT: "0", HOST: "127.0.0.1" });
  // Never queried: every request stops at the limiter or at schema validation.
  const pool = new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:1/none", max: 1 });
  const app = await buildApp({ config, pool, migrations: [] });
  try {
    await app.listen({ port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // Sixteen at a time: the limiter's window is a fixed minute, and one request after another could outlast
    // it on a loaded machine (the window would reset and the last request pass); the count is what is asserted.
    const statuses: number[] = [];
    let sent = 0;
    const client = async () => {
      while (sent < n) {
        sent++;
        const r = await fetch(`${base}/api/volunteers`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        await r.arrayBuffer();
        statuses.push(r.status);
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    return statuses;
  } finally {
    await app.close();
    await pool.end();
  }
}

describe.each(["staging", "prod"] as const)("%s", (name) => {
  const { cfg, edge, env } = stack(name);

  it("the fleet's backstops are what the edge can let through in a minute, from the same config", () => {
    const signup = edge.rate_limit_signup!;
    const writes = edge.rate_limit_api_writes!;
    expect([signup.requestsPerPeriod, signup.period]).toEqual([cfg.edge.rateLimits.signup.requestsPerPeriod, cfg.edge.rateLimits.signup.periodSeconds]);
    expect(Number(env.RATE_LIMIT_SIGNUP_PER_MINUTE)).toBe(edgeMaxInAMinute(signup));
    expect(Number(env.RATE_LIMIT_WRITE_PER_MINUTE)).toBe(edgeMaxInAMinute(writes));
  });

  it("one instance lets through everything the edge can pass in a minute, and only then answers 429", async () => {
    const backstop = Number(env.RATE_LIMIT_SIGNUP_PER_MINUTE);
    const statuses = await signupStatuses(env, backstop + 1);
    expect(statuses).toHaveLength(backstop + 1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(backstop);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
  });

  if (name === "prod") {
    it(`a town hall signing ${TOWN_HALL_SIGNUPS_PER_MINUTE} volunteers up in a minute from one address is blocked nowhere`, async () => {
      const signup = edge.rate_limit_signup!;
      expect((signup.requestsPerPeriod * 60) / signup.period).toBeGreaterThanOrEqual(TOWN_HALL_SIGNUPS_PER_MINUTE);
      const statuses = await signupStatuses(env, TOWN_HALL_SIGNUPS_PER_MINUTE);
      expect(statuses.filter((s) => s === 400)).toHaveLength(TOWN_HALL_SIGNUPS_PER_MINUTE);
    });
  }
});
