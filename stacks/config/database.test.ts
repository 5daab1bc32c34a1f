/**
 * `settings.max_connections`, read in one place: the schema's check and the capacity model's input
 * (stacks/wiring/fleet.ts) both go through maxConnectionsOf.
 */
import * as pulumi from "@pulumi/pulumi";
import { committedRaw, configProblems } from "../../tools/plan/testing";
import { fleetArgsFromConfig } from "../wiring/fleet";
import { parseConfig } from "./index";
import { maxConnectionsOf } from "./database";

function withMaxConnections(value: string): Record<string, unknown> {
  const raw = committedRaw("prod");
  const db = raw.database as { settings?: Record<string, string> };
  db.settings = { ...db.settings, max_connections: value };
  return raw;
}

describe("maxConnectionsOf", () => {
  it.each([
    [{}, undefined],
    [{ max_connections: "600" }, 600],
    [{ max_connections: "1" }, 1],
  ])("reads %p as %p", (settings, expected) => {
    expect(maxConnectionsOf(settings)).toBe(expected);
  });

  it.each(["", "lots", "-1", "0", "08", "1e3", " 800 ", "80.5"])("reads %p as NaN, and the schema refuses it naming the key", (value) => {
    expect(maxConnectionsOf({ max_connections: value })).toBeNaN();
    expect(configProblems(withMaxConnections(value))).toContain(
      `renfort:database.settings.max_connections must be a whole number > 0 written as a string, e.g. "800", got ${JSON.stringify(value)}`,
    );
  });

  it("is what the capacity model gets from the committed prod stack", () => {
    const cfg = parseConfig(committedRaw("prod"));
    const args = fleetArgsFromConfig(cfg, { adminToken: pulumi.secret("t") }, { privateNetworkId: "pn", loadBalancers: [], appDatabaseUrl: "u", databaseCaCertificate: "c", smtpUrl: "s" });
    expect(args.capacity.databaseMaxConnections).toBe(Number(cfg.database.settings.max_connections));
    expect(args.capacity.databaseMaxConnections).toBeGreaterThan(0);
  });
});
