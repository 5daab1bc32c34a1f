/**
 * The staging stack switched to the private admin mode, with the admin password given as a config
 * secret; and the refusals of a world-open admin endpoint (config and component).
 */
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../config";
import { evaluateProgram, type PlanResource, type ProgramRun } from "../../tools/plan/harness";
import { committedRaw, configProblems } from "../../tools/plan/testing";
import { redactSecrets, unwrapSecrets } from "../../tools/plan/values";
import { createDatabase, databaseArgsFromConfig } from "./database";
import { Database } from "../../components/database/index";

function withAdminAccess(stack: "staging" | "prod", adminAccess: unknown): Record<string, unknown> {
  const raw = committedRaw(stack);
  (raw.database as Record<string, unknown>).adminAccess = adminAccess;
  return raw;
}

const ADMIN_SECRET = "Cfg-Admin-Secret-7f3a!9Qz";

describe("config refuses an admin endpoint open to the internet", () => {
  it.each([
    ["0.0.0.0/0", "renfort:database.adminAccess.allowedCidrs[0] must not open the admin endpoint to the whole internet: list the operators' egress CIDRs, got \"0.0.0.0/0\""],
    ["0.0.0.0/1", "renfort:database.adminAccess.allowedCidrs[0] must be a /16 or narrower block"],
  ])("%s in prod", (cidr, expected) => {
    const problems = configProblems(withAdminAccess("prod", { mode: "acl", allowedCidrs: [cidr] }));
    expect(problems.some((p) => p.startsWith(expected))).toBe(true);
  });

  it("an acl without CIDRs, and CIDRs that private mode would silently ignore", () => {
    expect(configProblems(withAdminAccess("staging", { mode: "acl", allowedCidrs: [] }))).toEqual([
      "renfort:database.adminAccess.allowedCidrs must list at least one CIDR when renfort:database.adminAccess.mode is acl, got []",
    ]);
    expect(configProblems(withAdminAccess("staging", { mode: "private", allowedCidrs: ["203.0.113.16/29"] }))[0]).toMatch(
      /^renfort:database\.adminAccess\.allowedCidrs must be empty when renfort:database\.adminAccess\.mode is private/,
    );
  });

  it("role limits above max_connections, and a role name reused", () => {
    const raw = committedRaw("prod");
    const db = raw.database as { roles: Record<string, { name: string; connectionLimit: number }> };
    db.roles.app.connectionLimit = 700;
    db.roles.readonly.name = "renfort_app";
    const problems = configProblems(raw);
    expect(problems.some((p) => p.startsWith("renfort:database.roles must have connection limits (not -1) whose sum (725) stays below settings.max_connections (600)"))).toBe(true);
    expect(problems).toContain('renfort:database.roles.readonly.name must differ from the admin user and the other roles (one role per purpose), got "renfort_app"');
  });
});

describe("component refuses a world-open admin endpoint even when config is bypassed", () => {
  it("throws before declaring anything", async () => {
    const cfg = parseConfig(committedRaw("staging"));
    const args = databaseArgsFromConfig(cfg, {}, { privateNetworkId: "fr-par/pn" });
    await expect(
      evaluateProgram({
        stack: "staging",
        program: () => {
          new Database("bad", { ...args, adminAccess: { mode: "acl", allowedCidrs: ["0.0.0.0/0"] } });
        },
      }),
    ).rejects.toThrow(/- adminAccess\.allowedCidrs\[0\] must not open the admin endpoint to the whole internet/);
  });
});

describe("private admin mode, admin password from config", () => {
  let run: ProgramRun;
  const ofType = (type: string): PlanResource[] => run.resources.filter((r) => r.type === type);

  beforeAll(async () => {
    const cfg = parseConfig(withAdminAccess("staging", { mode: "private" }));
    run = await evaluateProgram({
      stack: "staging",
      program: () => {
        const db = createDatabase(
          cfg,
          { originTlsPrivateKey: pulumi.secret("unused"), adminToken: pulumi.secret("unused"), databaseAdminPassword: pulumi.secret(ADMIN_SECRET) },
          { privateNetworkId: pulumi.output("fr-par/pn-staging") },
          {},
        );
        return { app: db.appConnectionString, privateEndpoint: db.privateEndpoint, adminEndpoint: db.adminEndpoint, replica: db.readReplicaEndpoint };
      },
    });
  });

  it("has no public endpoint and no Acl", () => {
    const [instance] = ofType("scaleway:databases/instance:Instance");
    expect(instance.inputs).not.toHaveProperty("loadBalancer");
    expect(ofType("scaleway:databases/acl:Acl")).toHaveLength(0);
  });

  it("points the provider at the private endpoint", () => {
    const [provider] = ofType("pulumi:providers:postgresql");
    const p = unwrapSecrets(provider.inputs) as Record<string, string>;
    expect(`${p.host}:${p.port}`).toBe(run.outputs.privateEndpoint);
    expect(run.outputs.adminEndpoint).toBe(run.outputs.privateEndpoint);
  });

  it("uses the config secret as admin password, secret on the instance and the provider, and generates none", () => {
    const names = ofType("random:index/randomPassword:RandomPassword").map((r) => r.name);
    expect(names).not.toContain("renfort-database-admin-password");
    expect(names).toHaveLength(3);
    const [instance] = ofType("scaleway:databases/instance:Instance");
    expect(unwrapSecrets(instance.inputs.password)).toBe(ADMIN_SECRET);
    expect(JSON.stringify(run.resources)).toContain(ADMIN_SECRET);
    expect(JSON.stringify(redactSecrets({ resources: run.resources, outputs: run.outputs }))).not.toContain(ADMIN_SECRET);
  });

  it("staging: no HA, no replica, nothing protected", () => {
    const [instance] = ofType("scaleway:databases/instance:Instance");
    expect(unwrapSecrets(instance.inputs)).toMatchObject({ isHaCluster: false, nodeType: "DB-DEV-M", volumeSizeInGb: 20 });
    expect(ofType("scaleway:databases/readReplica:ReadReplica")).toHaveLength(0);
    expect(run.resources.filter((r) => r.protect)).toEqual([]);
    expect(run.outputs.replica).toBeUndefined();
  });
});
