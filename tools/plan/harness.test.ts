import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as scaleway from "@pulumiverse/scaleway";
import { evaluateProgram } from "./harness";
import { isSecret, isUnknown, redactSecrets, SECRET_PLACEHOLDER } from "./values";

class Sample extends pulumi.ComponentResource {
  readonly ip: scaleway.loadbalancers.Ip;
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("renfort:test:Sample", name, {}, opts);
    const password = new random.RandomPassword(`${name}-password`, { length: 24 }, { parent: this });
    this.ip = new scaleway.loadbalancers.Ip(`${name}-ip`, { zone: "fr-par-1" }, { parent: this, protect: true });
    new scaleway.databases.Instance(
      `${name}-db`,
      { nodeType: "DB-PRO2-M", engine: "PostgreSQL-16", password: password.result, privateNetwork: { pnId: "fr-par/pn" } },
      { parent: this, dependsOn: [this.ip] },
    );
    this.registerOutputs({});
  }
}

function program() {
  const sample = new Sample("sample");
  const cfg = new pulumi.Config("renfort");
  return { ip: sample.ip.ipAddress, token: cfg.requireSecret("token"), fleet: cfg.requireObject("fleet") };
}

const config = { "renfort:fleet": { minInstances: 2 }, "renfort:token": "t0ken-value" };

describe("evaluateProgram", () => {
  it("records each resource with its parent, options and wire inputs", async () => {
    const run = await evaluateProgram({ stack: "prod", config, secretKeys: ["renfort:token"], program });
    const byName = Object.fromEntries(run.resources.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(["sample", "sample-db", "sample-ip", "sample-password"]);
    expect(byName["sample-ip"]).toMatchObject({ type: "scaleway:loadbalancers/ip:Ip", protect: true, parent: byName.sample.urn, custom: true });
    expect(byName.sample).toMatchObject({ custom: false, protect: false });
    expect(byName["sample-db"].dependsOn).toContain(byName["sample-ip"].urn);
    // The generated password reaches the database as a secret, as it would with the real random provider.
    expect(isSecret(byName["sample-db"].inputs.password)).toBe(true);
    expect(run.resources.map((r) => r.urn)).toEqual([...run.resources.map((r) => r.urn)].sort());
  });

  it("resolves outputs with realistic computed values and keeps secrets marked", async () => {
    const run = await evaluateProgram({ stack: "prod", config, secretKeys: ["renfort:token"], program });
    expect(run.outputs.ip).toMatch(/^51\.159\.\d+\.\d+$/);
    expect(run.outputs.fleet).toEqual({ minInstances: 2 });
    expect(isSecret(run.outputs.token)).toBe(true);
    expect(JSON.stringify(redactSecrets(run))).not.toContain("t0ken-value");
    expect(redactSecrets(run.outputs)).toMatchObject({ token: SECRET_PLACEHOLDER });
  });

  it("gives the same ids and addresses on every run, so plan diffs only show real changes", async () => {
    const a = await evaluateProgram({ stack: "prod", config, secretKeys: ["renfort:token"], program });
    const b = await evaluateProgram({ stack: "prod", config, secretKeys: ["renfort:token"], program });
    expect(b).toEqual(a);
  });

  it("shows computed values as unknown in a preview", async () => {
    const run = await evaluateProgram({ stack: "prod", config, secretKeys: ["renfort:token"], preview: true, program });
    expect(isUnknown(run.outputs.ip)).toBe(true);
  });

  it("fails on an invoke instead of reaching for a live lookup", async () => {
    await expect(
      evaluateProgram({
        stack: "prod",
        program: () => ({ lb: scaleway.loadbalancers.getIpsOutput({ zone: "fr-par-1" }).ips }),
      }),
    ).rejects.toThrow(/called the function scaleway:loadbalancers\/getIps:getIps during the plan/);
  });

  it("surfaces an error thrown by the program", async () => {
    await expect(
      evaluateProgram({ stack: "prod", program: () => { throw new Error("renfort:fleet is required"); } }),
    ).rejects.toThrow("renfort:fleet is required");
  });
});

describe("evaluateProgram on a failing apply", () => {
  it("fails with the error instead of waiting for resources that can never register", () => {
    const root = join(__dirname, "..", "..");
    const r = spawnSync(process.execPath, [join(root, "node_modules", "tsx", "dist", "cli.mjs"), join(__dirname, "fixtures", "failing-apply.ts")], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.stdout).toMatch(/rejected: .*cannot derive a reverse name for 51\.159\./);
    expect(r.status).toBe(1);
  });
});
