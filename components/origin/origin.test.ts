/**
 * The Origin component (load balancer, ACLs, certificates, fleet) run under the mocked engine with the
 * committed stack files' config, as `pulumi preview` would be asked to create it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlanResource, ProgramRun } from "../../tools/plan/harness";
import { committedStack, evaluateStack, withProviders } from "../../tools/plan/testing";
import { isSecret, redactSecrets, unwrapSecrets } from "../../tools/plan/values";
import { CLOUDFLARE_IPS } from "../../data/cloudflare-ranges";
import { readPlainEnv } from "../fleet/cloud-init";
import { createOrigin } from "./from-config";

// The shared mocks do not compute the IAM API key's secret yet; a real apply returns one (marked secret).
jest.mock("../../tools/plan/mocks", () => {
  const actual = jest.requireActual<typeof import("../../tools/plan/mocks")>("../../tools/plan/mocks");
  const { wireSecret: secret } = jest.requireActual<typeof import("../../tools/plan/values")>("../../tools/plan/values");
  return {
    ...actual,
    platformMocks: () => {
      const base = actual.platformMocks();
      return {
        ...base,
        async newResource(args: pulumi.runtime.MockResourceArgs) {
          const r = await base.newResource(args);
          if (args.type !== "scaleway:iam/apiKey:ApiKey") return r;
          return { ...r, state: { ...r.state, accessKey: "SCWMOCKACCESSKEY000", secretKey: secret(`mock-pull-key-${args.name}`) } };
        },
      };
    },
  };
});

/** Distinctive secret values: none may appear in the recorded inputs outside a secret marker. */
const SECRETS = {
  tlsKey: "-----BEGIN PRIVATE KEY-----\nTLS-KEY-MATERIAL-c0ffee\n-----END PRIVATE KEY-----\n",
  adminToken: "admin-token-4f9d2b7e1a6c3085d2e4b7a9c1f30e58",
  databaseUrl: "postgres://renfort_app:db-pass-9b8a7c6d@172.16.0.42:5432/renfort?sslmode=require",
  smtpUrl: "smtps://tem-user:smtp-pass-1d2e3f4a@smtp.tem.scaleway.com:465",
};

async function runStack(stack: "staging" | "prod", preview = false, domain: Record<string, unknown> = {}): Promise<ProgramRun> {
  const committed = committedStack(stack, (raw) => {
    raw.domain = { ...(raw.domain as Record<string, unknown>), ...domain };
  });
  const cfg = committed.config;
  return evaluateStack(committed, () => {
    const origin = createOrigin(
      cfg,
      { originTlsPrivateKey: pulumi.secret(SECRETS.tlsKey), adminToken: pulumi.secret(SECRETS.adminToken) },
      {
        privateNetworkId: pulumi.output("fr-par/11111111-2222-4333-a444-000000000001"),
        appDatabaseUrl: pulumi.secret(SECRETS.databaseUrl),
        smtpUrl: pulumi.secret(SECRETS.smtpUrl),
      },
      withProviders(cfg),
    );
    return { ipAddresses: origin.ipAddresses, apexRecords: origin.apexRecords, capacity: origin.capacity, registry: origin.registryEndpoint };
  }, { preview });
}

const ofType = (run: ProgramRun, type: string): PlanResource[] => run.resources.filter((r) => r.type === type);
const byName = (run: ProgramRun, name: string): PlanResource => {
  const r = run.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource named ${name}`);
  return r;
};

let prod: ProgramRun;
let staging: ProgramRun;
let preview: ProgramRun;
let stagingPointed: ProgramRun;
beforeAll(async () => {
  prod = await runStack("prod");
  // More evaluations in the same module registry: the harness resets config and mocks each time.
  staging = await runStack("staging");
  preview = await runStack("prod", true);
  stagingPointed = await runStack("staging", false, { apexDnsPointedHere: true });
});

describe("preview", () => {
  it("declares the same resources, protections and capacity as an update", () => {
    expect(preview.resources.map((r) => [r.urn, r.protect])).toEqual(prod.resources.map((r) => [r.urn, r.protect]));
    expect(preview.outputs.capacity).toEqual(prod.outputs.capacity);
  });
});

describe("dedicated IPs", () => {
  it("has exactly two, named by purpose, protected in prod only", () => {
    for (const [run, protect] of [[prod, true], [staging, false]] as const) {
      const ips = ofType(run, "scaleway:loadbalancers/ip:Ip");
      expect(ips.map((i) => [i.name, i.protect])).toEqual([
        ["renfort-origin-ip-primary", protect],
        ["renfort-origin-ip-secondary", protect],
      ]);
    }
  });

  it("attaches both to one load balancer of the configured type, on the private network", () => {
    const lbs = ofType(prod, "scaleway:loadbalancers/loadBalancer:LoadBalancer");
    expect(lbs).toHaveLength(1);
    expect(lbs[0].inputs).toMatchObject({
      type: "LB-GP-M",
      sslCompatibilityLevel: "ssl_compatibility_level_intermediate",
      privateNetworks: [{ privateNetworkId: "fr-par/11111111-2222-4333-a444-000000000001" }],
    });
    expect(lbs[0].inputs.ipIds).toHaveLength(2);
    expect(ofType(staging, "scaleway:loadbalancers/loadBalancer:LoadBalancer")[0].inputs.type).toBe("LB-S");
  });

  it("outputs the two addresses and the apex A records", () => {
    const ips = prod.outputs.ipAddresses as string[];
    expect(ips).toHaveLength(2);
    expect(new Set(ips).size).toBe(2);
    expect(prod.outputs.apexRecords).toEqual(ips.map((value) => ({ name: "renfort.gouv.fr", type: "A", value, ttl: 3600 })));
  });

  it("declares the apex records in Scaleway DNS only where the zone is managed here", () => {
    const records = ofType(prod, "scaleway:domain/record:Record");
    expect(records.map((r) => [r.name, r.inputs.dnsZone, r.inputs.name, r.inputs.type, r.inputs.data])).toEqual([
      ["renfort-origin-apex-a-primary", "renfort.gouv.fr", "", "A", (prod.outputs.ipAddresses as string[])[0]],
      ["renfort-origin-apex-a-secondary", "renfort.gouv.fr", "", "A", (prod.outputs.ipAddresses as string[])[1]],
    ]);
    expect(ofType(staging, "scaleway:domain/record:Record")).toEqual([]);
  });
});

describe("frontends and ACLs", () => {
  const acls = () =>
    ofType(prod, "scaleway:loadbalancers/acl:Acl").map((a) => ({ name: a.name, frontendId: a.inputs.frontendId, index: a.inputs.index, action: a.inputs.action, match: a.inputs.match }));

  const frontends = (run: ProgramRun) =>
    ofType(run, "scaleway:loadbalancers/frontend:Frontend").map((f) => [f.name, f.inputs.inboundPort, (f.inputs.certificateIds as unknown[] | undefined)?.length ?? 0, f.inputs.externalAcls]);

  it("has 443 with both certificates and 80 without, both with external ACLs, where the apex records are managed here", () => {
    expect(frontends(prod)).toEqual([
      ["renfort-origin-http", 80, 0, true],
      ["renfort-origin-https", 443, 2, true],
    ]);
  });

  it("requests no apex certificate before the apex is pointed at the IPs (first deploy, records handed over)", () => {
    expect(staging.resources.filter((r) => r.name === "renfort-origin-cert-apex")).toEqual([]);
    expect(frontends(staging)).toEqual([
      ["renfort-origin-http", 80, 0, true],
      ["renfort-origin-https", 443, 1, true],
    ]);
    const https = byName(staging, "renfort-origin-https");
    expect(https.dependsOn.filter((urn) => urn.includes("cert-apex"))).toEqual([]);
  });

  it("requests the apex certificate and attaches it to 443 once renfort:domain.apexDnsPointedHere is true", () => {
    expect(byName(stagingPointed, "renfort-origin-cert-apex").inputs.letsencrypt).toEqual({ commonName: "staging.renfort.gouv.fr" });
    expect(frontends(stagingPointed)).toEqual([
      ["renfort-origin-http", 80, 0, true],
      ["renfort-origin-https", 443, 2, true],
    ]);
  });

  it("orders the ACLs on 443: apex 301, Cloudflare-only main host, deny; 80: apex 301 to the main host, then https", () => {
    const list = acls();
    const https = list.filter((a) => a.name.startsWith("renfort-origin-acl-https-")).sort((a, b) => Number(a.index) - Number(b.index));
    const http = list.filter((a) => a.name.startsWith("renfort-origin-acl-http-"));
    expect(https.map((a) => [a.index, a.name, (a.action as { type: string }).type])).toEqual([
      [0, "renfort-origin-acl-https-apex-redirect", "redirect"],
      [1, "renfort-origin-acl-https-main-from-cloudflare", "allow"],
      [2, "renfort-origin-acl-https-deny-rest", "deny"],
    ]);
    expect(new Set(https.map((a) => a.frontendId)).size).toBe(1);
    http.sort((a, b) => Number(a.index) - Number(b.index));
    expect(http.map((a) => a.name)).toEqual(["renfort-origin-acl-http-apex-redirect", "renfort-origin-acl-http-to-https"]);
    expect(new Set(http.map((a) => a.frontendId)).size).toBe(1);
    expect(http[0].frontendId).not.toBe(https[0].frontendId);
    expect(http[0]).toMatchObject({
      index: 0,
      action: { type: "redirect", redirects: [{ type: "location", target: "https://www.renfort-benevoles.fr/{{path}}?{{query}}", code: 301 }] },
      match: { httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: ["renfort.gouv.fr"] },
    });
    expect(http[1]).toMatchObject({ index: 1, action: { type: "redirect", redirects: [{ type: "scheme", target: "https", code: 301 }] }, match: { ipSubnets: ["0.0.0.0/0", "::/0"] } });
  });

  it("matches the apex by Host and the main host by Host and Cloudflare source", () => {
    const list = acls();
    expect(list.find((a) => a.name.endsWith("apex-redirect"))?.match).toEqual({ httpFilter: "http_header_match", httpFilterOption: "host", httpFilterValues: ["renfort.gouv.fr"] });
    expect(list.find((a) => a.name.endsWith("main-from-cloudflare"))?.match).toEqual({
      ipSubnets: [...CLOUDFLARE_IPS.ipv4, ...CLOUDFLARE_IPS.ipv6],
      httpFilter: "http_header_match",
      httpFilterOption: "host",
      httpFilterValues: ["www.renfort-benevoles.fr"],
    });
  });

  it("redirects the apex with a 301 that keeps the path and query", () => {
    const apex = acls().find((a) => a.name.endsWith("apex-redirect"));
    const redirect = (apex?.action as { redirects: { type: string; target: string; code: number }[] }).redirects[0];
    // The literal target, in the form Scaleway documents (`https://{{host}}/{{path}}?{{query}}`,
    // https://www.scaleway.com/en/docs/load-balancer/how-to/create-manage-acls/): see acls.ts.
    expect(redirect).toEqual({ type: "location", target: "https://www.renfort-benevoles.fr/{{path}}?{{query}}", code: 301 });
  });

  it("presents a Cloudflare Origin CA certificate for the main host and Let's Encrypt for the apex", () => {
    const ca = ofType(prod, "cloudflare:index/originCaCertificate:OriginCaCertificate");
    expect(ca).toHaveLength(1);
    expect(ca[0].inputs).toMatchObject({ hostnames: ["www.renfort-benevoles.fr"], requestType: "origin-rsa", requestedValidity: 5475 });
    expect(String(ca[0].inputs.csr)).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    const main = byName(prod, "renfort-origin-cert-main").inputs.customCertificate as { certificateChain: unknown };
    expect(isSecret(main.certificateChain)).toBe(true);
    expect(String(unwrapSecrets(main.certificateChain))).toMatch(/^-----BEGIN CERTIFICATE-----\nMOCK-ORIGIN-CA-[\s\S]+-----BEGIN PRIVATE KEY-----/);
    expect(byName(prod, "renfort-origin-cert-apex").inputs.letsencrypt).toEqual({ commonName: "renfort.gouv.fr" });
  });
});

describe("backend and fleet", () => {
  it("forwards http to the app port with a GET /healthz check", () => {
    const b = ofType(prod, "scaleway:loadbalancers/backend:Backend");
    expect(b).toHaveLength(1);
    expect(b[0].inputs).toMatchObject({ forwardProtocol: "http", forwardPort: 8080, healthCheckHttp: { uri: "/healthz", method: "GET", code: 200 } });
  });

  it("uses Scaleway autoscaling attached to the backend, sized by the capacity model", () => {
    const groups = ofType(prod, "scaleway:autoscaling/instanceGroup:InstanceGroup");
    expect(groups).toHaveLength(1);
    const g = groups[0].inputs as { capacities: unknown[]; loadBalancers: { backendIds: unknown[]; privateNetworkId: string }[]; tags: string[] };
    expect(g.capacities).toEqual([{ minReplicas: 6, maxReplicas: 12, cooldownDelay: 300 }]);
    expect(g.loadBalancers[0].backendIds).toHaveLength(1);
    expect(g.loadBalancers[0].privateNetworkId).toBe("fr-par/11111111-2222-4333-a444-000000000001");
    expect(g.tags).toEqual(expect.arrayContaining(["renfort-capacity-target=600", "renfort-capacity-per-instance=150", "renfort-capacity-headroom=1.5", "renfort-pool-size=20"]));
    expect(ofType(prod, "scaleway:autoscaling/instancePolicy:InstancePolicy").map((p) => p.inputs.action)).toEqual(["scale_down", "scale_up"]);
    const sg = ofType(staging, "scaleway:autoscaling/instanceGroup:InstanceGroup")[0].inputs as { capacities: unknown[] };
    expect(sg.capacities).toEqual([{ minReplicas: 1, maxReplicas: 3, cooldownDelay: 300 }]);
  });

  it("gives no fleet instance a public IP and keeps it on the private network", () => {
    for (const run of [prod, staging]) {
      const templates = ofType(run, "scaleway:autoscaling/instanceTemplate:InstanceTemplate");
      expect(templates).toHaveLength(1);
      for (const t of templates) {
        expect(t.inputs).toMatchObject({ publicIpsV4Count: 0, publicIpsV6Count: 0, privateNetworkIds: ["fr-par/11111111-2222-4333-a444-000000000001"] });
        expect(t.inputs.placementGroupId).toEqual(expect.any(String));
        expect(t.inputs.securityGroupId).toEqual(expect.any(String));
      }
      expect(ofType(run, "scaleway:instance/ip:Ip")).toEqual([]);
      for (const s of ofType(run, "scaleway:instance/server:Server")) {
        expect(s.inputs.ipId ?? s.inputs.ipIds ?? s.inputs.enableDynamicIp ?? null).toBeFalsy();
      }
    }
    expect(ofType(prod, "scaleway:instance/placementGroup:PlacementGroup")[0].inputs.policyType).toBe("max_availability");
    expect(ofType(prod, "scaleway:instance/securityGroup:SecurityGroup")[0].inputs).toMatchObject({
      inboundDefaultPolicy: "drop",
      inboundRules: [{ action: "accept", protocol: "TCP", port: 8080, ipRange: "172.16.0.0/22" }],
    });
  });

  it("runs the image pinned by digest from the project's private registry", () => {
    expect(ofType(prod, "scaleway:registry/namespace:Namespace").map((n) => n.inputs)).toEqual([expect.objectContaining({ name: "renfort-prod", isPublic: false })]);
    expect(prod.outputs.registry).toBe("rg.fr-par.scw.cloud/renfort-prod");
    const t = ofType(prod, "scaleway:autoscaling/instanceTemplate:InstanceTemplate")[0];
    expect(isSecret(t.inputs.cloudInit)).toBe(true);
    const cloudInit = String(unwrapSecrets(t.inputs.cloudInit));
    const image = "rg.fr-par.scw.cloud/renfort-prod/renfort-app@sha256:fe2db241df18491d13353c95e74653e5a299add23221a4ca7018ef12c990f160";
    expect(cloudInit).toContain(`docker pull ${image}\n`);
    expect(cloudInit).not.toMatch(/renfort-app:[a-z0-9]/);
  });

  it("writes the app's plain env, trusting Cloudflare and the private subnet", () => {
    const t = ofType(prod, "scaleway:autoscaling/instanceTemplate:InstanceTemplate")[0];
    const env = readPlainEnv(String(unwrapSecrets(t.inputs.cloudInit)));
    expect(env).toMatchObject({ PORT: "8080", MAIL_FROM: "benevoles@mail.renfort-benevoles.fr", DEGRADED_MODE: "off", PG_POOL_SIZE: "20" });
    expect(env.TRUSTED_PROXIES.split(",")).toEqual([...CLOUDFLARE_IPS.ipv4, ...CLOUDFLARE_IPS.ipv6, "172.16.0.0/22"]);
    for (const key of ["DATABASE_URL", "SMTP_URL", "ADMIN_TOKEN"]) expect(env).not.toHaveProperty(key);
  });

  it("reports the capacity verdict of each stack", () => {
    expect(prod.outputs.capacity).toMatchObject({ target: 600, perInstance: 150, headroom: 1.5, requiredCapacity: 900, minInstances: 6, maxInstances: 12, ok: true });
    expect(staging.outputs.capacity).toMatchObject({ target: 100, minInstances: 1, maxInstances: 3, connectionBudget: { used: 80, available: 200, appRoleLimit: 100 }, ok: true });
  });
});

describe("secrets", () => {
  it.each(["prod", "staging"] as const)("never appear in clear in the recorded %s inputs or outputs", (stack) => {
    const run = stack === "prod" ? prod : staging;
    const visible = JSON.stringify(redactSecrets({ resources: run.resources, outputs: run.outputs }));
    for (const value of [...Object.values(SECRETS), "db-pass-9b8a7c6d", "smtp-pass-1d2e3f4a", "TLS-KEY-MATERIAL-c0ffee", "mock-pull-key-"]) {
      expect(visible).not.toContain(value);
    }
    // ...while the engine does receive them, marked secret, where they are needed.
    const all = JSON.stringify(unwrapSecrets(run.resources));
    expect(all).toContain("admin-token-4f9d2b7e1a6c3085d2e4b7a9c1f30e58");
    expect(all).toContain("TLS-KEY-MATERIAL-c0ffee");
  });

  it("marks the whole cloud-init secret, the secret env outside the plain block", () => {
    const t = ofType(prod, "scaleway:autoscaling/instanceTemplate:InstanceTemplate")[0];
    const cloudInit = String(unwrapSecrets(t.inputs.cloudInit));
    expect(cloudInit).toContain(`DATABASE_URL=${SECRETS.databaseUrl}\n`);
    expect(cloudInit).toContain(`ADMIN_TOKEN=${SECRETS.adminToken}\n`);
  });
});

describe("component tree", () => {
  it("parents every resource under the Origin component", () => {
    const origin = byName(prod, "renfort-origin");
    expect(origin.type).toBe("renfort:origin:Origin");
    const fleet = byName(prod, "renfort-origin-fleet");
    expect(fleet.type).toBe("renfort:fleet:Fleet");
    expect(fleet.parent).toBe(origin.urn);
    for (const r of prod.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) {
      expect([origin.urn, fleet.urn]).toContain(r.parent);
      expect(r.name.startsWith("renfort-origin-")).toBe(true);
    }
  });
});
