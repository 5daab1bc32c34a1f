/**
 * The prod stack's database, from the committed Pulumi.prod.yaml, evaluated under the platform mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlanResource, ProgramRun } from "../../tools/plan/harness";
import { platformMocks } from "../../tools/plan/mocks";
import { committedStack, evaluateStack, withProviders } from "../../tools/plan/testing";
import { redactSecrets, unwrapSecrets } from "../../tools/plan/values";
import { ACCESS_MODEL, accessSteps } from "../../components/database/access-model";
import { createDatabase } from "./database";

const prod = committedStack("prod");
const cfg = prod.config;

/** What the RandomPassword mock returns for a resource name: the values that must never appear in clear. */
function mockedPassword(name: string): string {
  const state = platformMocks().newResource({ type: "random:index/randomPassword:RandomPassword", name, inputs: { length: 32 }, custom: true }) as {
    state: Record<string, unknown>;
  };
  return unwrapSecrets(state.state.result) as string;
}

let run: ProgramRun;
const T = {
  instance: "scaleway:databases/instance:Instance",
  acl: "scaleway:databases/acl:Acl",
  replica: "scaleway:databases/readReplica:ReadReplica",
  role: "postgresql:index/role:Role",
  grant: "postgresql:index/grant:Grant",
  defaults: "postgresql:index/defaultPrivileges:DefaultPrivileges",
  pgProvider: "pulumi:providers:postgresql",
  password: "random:index/randomPassword:RandomPassword",
};
const ofType = (type: string): PlanResource[] => run.resources.filter((r) => r.type === type);
const named = (name: string): PlanResource => {
  const r = run.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource named ${name}; have ${run.resources.map((x) => x.name).join(", ")}`);
  return r;
};
const plain = (r: PlanResource) => unwrapSecrets(r.inputs) as Record<string, unknown>;

beforeAll(async () => {
  run = await evaluateStack(prod, () => {
    const db = createDatabase(
      cfg,
      { originTlsPrivateKey: pulumi.secret("unused"), adminToken: pulumi.secret("unused") },
      { privateNetworkId: pulumi.output("fr-par/0f9a1c6e-1111-4222-a333-444455556666") },
      withProviders(cfg),
    );
    return {
      appConnectionString: db.appConnectionString,
      migratorConnectionString: db.migratorConnectionString,
      readonlyConnectionString: db.readonlyConnectionString,
      instanceId: db.instanceId,
      privateEndpoint: db.privateEndpoint,
      adminEndpoint: db.adminEndpoint,
      readReplicaEndpoint: db.readReplicaEndpoint,
      schema: db.schema,
      caCertificate: db.caCertificate,
    };
  });
});

describe("prod database instance", () => {
  it("declares exactly these resources under the component", () => {
    const counts: Record<string, number> = {};
    // The stack's own providers are created by the test program, not the component.
    const stackProviders = ["pulumi:providers:scaleway", "pulumi:providers:cloudflare"];
    for (const r of run.resources.filter((x) => !stackProviders.includes(x.type))) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts).toEqual({
      "renfort:database:Database": 1,
      [T.instance]: 1,
      [T.acl]: 1,
      [T.replica]: 1,
      [T.password]: 4,
      [T.pgProvider]: 1,
      "postgresql:index/database:Database": 1,
      "postgresql:index/schema:Schema": 1,
      [T.role]: 3,
      [T.grant]: 10,
      [T.defaults]: 3,
    });
  });

  it("is an HA PostgreSQL 16 cluster with encryption, backups, the private network and protection", () => {
    const [instance] = ofType(T.instance);
    const i = plain(instance);
    expect(i).toMatchObject({
      engine: "PostgreSQL-16",
      nodeType: "DB-PRO2-M",
      isHaCluster: true,
      encryptionAtRest: true,
      disableBackup: false,
      backupScheduleRetention: 14,
      backupScheduleFrequency: 12,
      backupSameRegion: true,
      volumeType: "sbs_15k",
      volumeSizeInGb: 100,
      region: "fr-par",
      userName: "renfort_admin",
      privateNetwork: { pnId: "fr-par/0f9a1c6e-1111-4222-a333-444455556666", enableIpam: true },
      settings: { max_connections: "600" },
    });
    expect(instance.protect).toBe(true);
    expect(instance.parent).toMatch(/renfort:database:Database::renfort-database$/);
  });

  it("restricts the admin endpoint to the configured CIDRs with one Acl (acl mode)", () => {
    expect(plain(ofType(T.instance)[0]).loadBalancer).toEqual({});
    const acls = ofType(T.acl);
    expect(acls).toHaveLength(1);
    expect((plain(acls[0]).aclRules as { ip: string }[]).map((r) => r.ip)).toEqual(["203.0.113.16/29"]);
    // Policies find the instance's Acl through this dependency.
    expect(acls[0].dependsOn).toContain(ofType(T.instance)[0].urn);
  });

  it("has a read replica on the private network", () => {
    const [replica] = ofType(T.replica);
    expect(plain(replica)).toMatchObject({ privateNetwork: { enableIpam: true, privateNetworkId: "fr-par/0f9a1c6e-1111-4222-a333-444455556666" } });
    expect(run.outputs.readReplicaEndpoint).toMatch(/^172\.16\.0\.\d+:5432$/);
  });

  it("binds a postgresql provider to the public endpoint, as the non-superuser admin, TLS required, after the Acl", () => {
    const [provider] = ofType(T.pgProvider);
    const p = plain(provider);
    expect(p).toMatchObject({ database: "rdb", sslmode: "require", superuser: "false", username: "renfort_admin", port: "5432", connectTimeout: "15" });
    expect(p.host).toMatch(/^51\.159\./);
    expect(provider.dependsOn).toContain(ofType(T.acl)[0].urn);
    expect(provider.inputs.password).toHaveProperty("value");
    expect(run.outputs.adminEndpoint).toBe(`${p.host}:5432`);
  });

  it("protects the application database, its schema and the schema owner", () => {
    expect(named("renfort-database-database").protect).toBe(true);
    expect(plain(named("renfort-database-schema"))).toMatchObject({ name: "renfort", owner: "renfort_migrator", database: "renfort" });
    expect(named("renfort-database-schema").protect).toBe(true);
    expect(named("renfort-database-role-migrator").protect).toBe(true);
    expect(named("renfort-database-role-app").protect).toBe(false);
  });
});

describe("roles and grants", () => {
  it.each([
    ["migrator", "renfort_migrator", 5],
    ["app", "renfort_app", 520],
    ["readonly", "renfort_readonly", 20],
  ])("declares the %s role with its connection limit and no escalation", (key, roleName, limit) => {
    const role = named(`renfort-database-role-${key}`);
    expect(plain(role)).toMatchObject({
      name: roleName,
      login: true,
      connectionLimit: limit,
      superuser: false,
      createDatabase: false,
      createRole: false,
      replication: false,
      bypassRowLevelSecurity: false,
      searchPaths: ["renfort"],
    });
    expect(role.provider).toMatch(/pulumi:providers:postgresql::renfort-database-postgresql::/);
    expect(role.inputs.password).toHaveProperty("value");
  });

  it("declares every grant and default privilege of the access model, through the postgresql provider", () => {
    // Stated literally: a grant dropped from or widened in the access model breaks this test.
    const grant = (r: PlanResource) => {
      const g = plain(r);
      return [r.name.replace("renfort-database-grant-", ""), g.role, g.objectType, g.schema ?? null, g.privileges, g.database];
    };
    expect(ofType(T.grant).map(grant).sort()).toEqual(
      [
        ["database-public", "public", "database", null, [], "renfort"],
        ["database-migrator", "renfort_migrator", "database", null, ["CONNECT"], "renfort"],
        ["database-app", "renfort_app", "database", null, ["CONNECT"], "renfort"],
        ["database-readonly", "renfort_readonly", "database", null, ["CONNECT"], "renfort"],
        ["schema-migrator", "renfort_migrator", "schema", "renfort", ["USAGE", "CREATE"], "renfort"],
        ["schema-app", "renfort_app", "schema", "renfort", ["USAGE"], "renfort"],
        ["schema-readonly", "renfort_readonly", "schema", "renfort", ["USAGE"], "renfort"],
        ["app-tables", "renfort_app", "table", "renfort", ["SELECT", "INSERT", "UPDATE"], "renfort"],
        ["app-sequences", "renfort_app", "sequence", "renfort", ["USAGE", "SELECT"], "renfort"],
        ["readonly-tables", "renfort_readonly", "table", "renfort", ["SELECT"], "renfort"],
      ].sort(),
    );
    const defaults = (name: string, role: string, objectType: string, privileges: string[]) => [
      name,
      { database: "renfort", owner: "renfort_migrator", role, schema: "renfort", objectType, privileges },
    ];
    expect(ofType(T.defaults).map((r) => [r.name, plain(r)])).toEqual([
      defaults("renfort-database-default-app-sequences", "renfort_app", "sequence", ["USAGE", "SELECT"]),
      defaults("renfort-database-default-app-tables", "renfort_app", "table", ["SELECT", "INSERT", "UPDATE"]),
      defaults("renfort-database-default-readonly-tables", "renfort_readonly", "table", ["SELECT"]),
    ]);
  });

  it("applies the database grants, the schema, the grants and the default privileges one at a time, in the access model's order", () => {
    const chain = accessSteps(ACCESS_MODEL)
      .filter((s) => s.kind !== "role")
      .map((s) => named(`renfort-database-${s.resource}`));
    // 10 grants, the schema, 3 default privileges.
    expect(chain).toHaveLength(14);
    // dependsOn also lists the implicit dependencies (the database, the roles, the schema through their outputs).
    for (let i = 1; i < chain.length; i++) expect(chain[i].dependsOn).toContain(chain[i - 1].urn);
  });

  it("gives the app role no CREATE anywhere and the readonly role SELECT only", () => {
    const forRole = (name: string) => [...ofType(T.grant), ...ofType(T.defaults)].map(plain).filter((g) => g.role === name);
    const app = forRole("renfort_app").flatMap((g) => g.privileges as string[]);
    expect(app).not.toContain("CREATE");
    expect(app).not.toContain("TRUNCATE");
    const ro = forRole("renfort_readonly");
    expect(new Set(ro.filter((g) => g.objectType === "table" || g.objectType === "sequence").flatMap((g) => g.privileges as string[]))).toEqual(new Set(["SELECT"]));
  });
});

describe("secrets", () => {
  it("generates one password per role and one for the admin", () => {
    expect(ofType(T.password).map((r) => r.name).sort()).toEqual(
      ["renfort-database-admin-password", "renfort-database-app-password", "renfort-database-migrator-password", "renfort-database-readonly-password"].sort(),
    );
  });

  it("never shows a password or a connection string in clear in the redacted plan and outputs", () => {
    const secrets = ofType(T.password).map((r) => mockedPassword(r.name));
    const unredacted = JSON.stringify({ resources: run.resources, outputs: run.outputs });
    // The values are in the run (wrapped as secrets): otherwise this test could not fail.
    for (const s of secrets) expect(unredacted).toContain(JSON.stringify(s).slice(1, -1));
    const redacted = JSON.stringify(redactSecrets({ resources: run.resources, outputs: run.outputs }));
    for (const s of secrets) {
      expect(redacted).not.toContain(s);
      expect(redacted).not.toContain(encodeURIComponent(s));
    }
    expect(redacted).not.toMatch(/postgres(ql)?:\/\//);
  });

  it("exports the connection strings as secrets built from outputs, and the private endpoint in clear", () => {
    for (const key of ["appConnectionString", "migratorConnectionString", "readonlyConnectionString"]) {
      expect(redactSecrets(run.outputs[key])).toBe("[secret]");
    }
    const app = new URL(unwrapSecrets(run.outputs.appConnectionString) as string);
    expect(app.username).toBe("renfort_app");
    expect(decodeURIComponent(app.password)).toBe(mockedPassword("renfort-database-app-password"));
    expect(`${app.hostname}:${app.port}`).toBe(run.outputs.privateEndpoint);
    expect(app.pathname).toBe("/renfort");
    // the fleet verifies the instance against its own CA, written to DATABASE_CA_PATH (README: TLS)
    expect(app.searchParams.get("sslmode")).toBe("verify-ca");
    expect(app.searchParams.get("sslrootcert")).toBe("/etc/renfort/database-ca.pem");
    expect(run.outputs.caCertificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(new URL(unwrapSecrets(run.outputs.migratorConnectionString) as string).username).toBe("renfort_migrator");
    expect(run.outputs.privateEndpoint).toMatch(/^172\.16\.0\.\d+:5432$/);
    expect(run.outputs.instanceId).toMatch(/^fr-par\//);
  });
});
