import { plainAppEnv, renderCloudInit } from "../../components/fleet/cloud-init";
import { evaluateTwinProgram } from "./program";
import { bareId, durationMs, readCloudInit, TopologyError } from "./topology";

const IMAGE = `rg.fr-par.scw.cloud/renfort-staging/renfort-app@sha256:${"a".repeat(64)}`;

describe("readCloudInit: the app's environment from the fleet's own renderer", () => {
  const plainEnv = plainAppEnv({ appPort: 8080, mailFrom: "x@mail.example.fr", publicUrl: "https://www.example.fr", trustedProxies: ["10.0.0.0/8"], degradedMode: false, poolSize: 20, logLevel: "info", rateLimits: { signupPerMinute: 240, writesPerMinute: 600 }, adminAllowedCidrs: ["198.51.100.20/32"] });
  const secretEnv = { DATABASE_URL: "postgres://app:pw@10.0.0.5:5432/renfort?sslmode=verify-full&sslrootcert=/etc/renfort/rdb-ca.pem", SMTP_URL: "smtp://u:p@smtp.example:587?requireTLS=true", ADMIN_TOKEN: "t".repeat(40) };
  const rendered = renderCloudInit({ image: IMAGE, appPort: 8080, plainEnv, secretEnv, registryPassword: "registry-secret", databaseCaCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" });

  test("reads exactly the plain and the secret env, in docker's --env-file order, and the published port", () => {
    const read = readCloudInit(rendered, "test");
    expect(read.env).toEqual({ ...plainEnv, ...secretEnv });
    expect(read.appPort).toBe(8080);
    expect(Object.keys(read.files)).toContain("/etc/renfort/app.env");
  });

  test("a cloud-init that starts no container is refused, naming the template", () => {
    expect(() => readCloudInit("#cloud-config\nwrite_files: []\n", "instance template t")).toThrow(new TopologyError('instance template t: the cloud-init starts no "docker run", so the twin cannot tell the app\'s environment'));
  });

  test("an env file docker reads but the cloud-init does not write is refused", () => {
    const broken = rendered.replace("path: /etc/renfort/secret.env", "path: /etc/renfort/other.env");
    expect(() => readCloudInit(broken, "t")).toThrow(/--env-file \/etc\/renfort\/secret.env, which the cloud-init does not write/);
  });
});

test.each([
  ["5s", 5000],
  ["500ms", 500],
  ["1m", 60000],
  [undefined, undefined],
])("durationMs(%s)", (v, ms) => expect(durationMs(v, "f")).toBe(ms));

describe("readTopology of the staging program", () => {
  let program: Awaited<ReturnType<typeof evaluateTwinProgram>>;
  beforeAll(async () => {
    program = await evaluateTwinProgram({ stack: "staging" });
  });

  test("every load balancer with its frontends, ACLs in index order, certificates and backend health check", () => {
    const { loadBalancers } = program.topology;
    expect(loadBalancers.length).toBeGreaterThanOrEqual(1);
    for (const lb of loadBalancers) {
      expect(lb.declaredIps.length).toBeGreaterThanOrEqual(1);
      for (const f of lb.frontends) {
        expect(f.acls.map((a) => a.index)).toEqual([...f.acls.map((a) => a.index)].sort((a, b) => a - b));
        expect(lb.backends.some((b) => bareId(b.id) === bareId(f.backendId))).toBe(true);
      }
      const https = lb.frontends.find((f) => f.certificates.length > 0);
      expect(https?.certificates[0].hostnames).toContain(program.config.domain.mainHost);
      expect(lb.backends[0].healthCheck.http?.uri).toBe("/readyz");
    }
  });

  test("the fleet's env is the cloud-init's, with the stack's generated secrets in it and no placeholder", () => {
    const [group] = program.topology.groups;
    expect(group.minReplicas).toBe(program.config.fleet.minInstances);
    expect(group.env.ADMIN_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(group.env)).not.toContain("[secret]");
    expect(new URL(group.env.DATABASE_URL).username).toBe(program.topology.database.names.roles.app.name);
  });

  test("the database's roles carry the passwords the program gave them", () => {
    const { database, groups } = program.topology;
    expect(decodeURIComponent(new URL(groups[0].env.DATABASE_URL).password)).toBe(database.passwords.app);
    expect(database.admin.user).toBe(program.config.database.adminUserName);
  });
});

describe("readTopology of the prod program (apex certificate declared)", () => {
  test("both load balancers present the apex's DNS-01 certificate beside the main host's, named from its ACME order", async () => {
    const program = await evaluateTwinProgram({ stack: "prod" });
    const { loadBalancers } = program.topology;
    expect(loadBalancers).toHaveLength(2);
    for (const lb of loadBalancers) {
      const https = lb.frontends.find((f) => f.inboundPort === 443);
      expect(https?.certificates.map((c) => [c.hostnames, c.issuer])).toEqual([
        [[program.config.domain.mainHost], "Cloudflare Origin CA"],
        [[program.config.domain.apex], "Let's Encrypt"],
      ]);
    }
  });
});
