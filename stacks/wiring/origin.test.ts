/**
 * The Origin component (load balancers, ACLs, certificates) and its sibling the Fleet run under the
 * mocked engine with the committed stack files' config, as `pulumi preview` would be asked to create them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { PlanResource, ProgramRun } from "../../tools/plan/harness";
import { committedStack, evaluateStack, withProviders } from "../../tools/plan/testing";
import { isSecret, redactSecrets, unwrapSecrets } from "../../tools/plan/values";
import { CLOUDFLARE_IPS } from "../../data/cloudflare-ranges";
import { readPlainEnv } from "../../components/fleet/cloud-init";
import { createFleet } from "./fleet";
import { createOrigin, originArgsFromConfig } from "./origin";
import { runResourcePolicy, type GateResource } from "../../policies/lib/run";
import { scwLbHealthcheck } from "../../policies/rules/origin/scw-lb-healthcheck";

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
  acmeToken: "cf-dns-token-77aa01bc9e3d4f5a6b7c8d9e0f1a2b3c",
};

const PN = "fr-par/11111111-2222-4333-a444-000000000001";

async function runStack(stack: "staging" | "prod", preview = false, edit: (raw: Record<string, unknown>) => void = () => undefined): Promise<ProgramRun> {
  const committed = committedStack(stack, edit);
  const cfg = committed.config;
  return evaluateStack(committed, () => {
    const opts = withProviders(cfg);
    const secrets = { originTlsPrivateKey: pulumi.secret(SECRETS.tlsKey), adminToken: pulumi.secret(SECRETS.adminToken), acmeDnsApiToken: pulumi.secret(SECRETS.acmeToken) };
    const origin = createOrigin(cfg, secrets, { privateNetworkId: pulumi.output(PN) }, opts);
    const { fleet, capacity } = createFleet(
      cfg,
      secrets,
      { privateNetworkId: pulumi.output(PN), loadBalancers: origin.loadBalancers, appDatabaseUrl: pulumi.secret(SECRETS.databaseUrl), databaseCaCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", smtpUrl: pulumi.secret(SECRETS.smtpUrl) },
      opts,
    );
    return {
      ipAddresses: origin.ipAddresses,
      ipv6Addresses: origin.ipv6Addresses,
      apexRecords: origin.apexRecords,
      apexAcmeDelegation: origin.apexAcmeDelegation,
      apexCertificateNotAfter: origin.apexCertificateNotAfter,
      capacity,
      registry: fleet.registryEndpoint,
      imageReference: fleet.imageReference,
      release: fleet.release,
      originAuthHeader: origin.originAuth.header,
      originAuthValue: origin.originAuth.value,
    };
  }, { preview });
}

const withDomain = (domain: Record<string, unknown>) => (raw: Record<string, unknown>) => {
  raw.domain = { ...(raw.domain as Record<string, unknown>), ...domain };
};

const ofType = (run: ProgramRun, type: string): PlanResource[] => run.resources.filter((r) => r.type === type);
const byName = (run: ProgramRun, name: string): PlanResource => {
  const r = run.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource named ${name}`);
  return r;
};

let prod: ProgramRun;
let staging: ProgramRun;
let preview: ProgramRun;
let stagingDelegated: ProgramRun;
let prodIpv6: ProgramRun;
beforeAll(async () => {
  prod = await runStack("prod");
  // More evaluations in the same module registry: the harness resets config and mocks each time.
  staging = await runStack("staging");
  preview = await runStack("prod", true);
  stagingDelegated = await runStack("staging", false, withDomain({ apexChallengeDelegated: true }));
  prodIpv6 = await runStack("prod", false, (raw) => {
    raw.origin = { ...(raw.origin as Record<string, unknown>), ipv6: true };
  });
});

describe("preview", () => {
  it("declares the same resources, protections and capacity as an update", () => {
    expect(preview.resources.map((r) => [r.urn, r.protect])).toEqual(prod.resources.map((r) => [r.urn, r.protect]));
    expect(preview.outputs.capacity).toEqual(prod.outputs.capacity);
  });
});

const LB = "scaleway:loadbalancers/loadBalancer:LoadBalancer";
const IP = "scaleway:loadbalancers/ip:Ip";
const GROUP = "scaleway:autoscaling/instanceGroup:InstanceGroup";
const TEMPLATE = "scaleway:autoscaling/instanceTemplate:InstanceTemplate";
const KEYS = ["primary", "secondary"] as const;

describe("load balancers and their IPs", () => {
  it("has one load balancer per zone of the region, each with exactly one IPv4 (Scaleway's limit)", () => {
    for (const [run, type] of [[prod, "LB-GP-M"], [staging, "LB-S"]] as const) {
      const lbs = ofType(run, LB);
      expect(lbs.map((l) => [l.name, l.inputs.zone, l.inputs.type])).toEqual([
        ["renfort-origin-lb-primary", "fr-par-1", type],
        ["renfort-origin-lb-secondary", "fr-par-2", type],
      ]);
      const ips = ofType(run, IP);
      expect(ips.map((i) => [i.name, i.inputs.zone, i.inputs.isIpv6 ?? false])).toEqual([
        ["renfort-origin-ip-primary", "fr-par-1", false],
        ["renfort-origin-ip-secondary", "fr-par-2", false],
      ]);
      lbs.forEach((lb, i) => {
        // One IPv4, from the load balancer's own zone.
        expect(lb.inputs.ipIds).toEqual([expect.stringMatching(new RegExp(`^fr-par-${i + 1}/`))]);
        expect(lb.inputs).toMatchObject({ sslCompatibilityLevel: "ssl_compatibility_level_intermediate", privateNetworks: [{ privateNetworkId: PN }] });
      });
    }
  });

  it("attaches each IPv4 to its own load balancer", () => {
    const ipIds = ofType(prod, LB).map((l) => l.inputs.ipIds as string[]);
    expect(ipIds.map((ids) => ids.length)).toEqual([1, 1]);
    expect(new Set(ipIds.flat()).size).toBe(2);
  });

  it("adds one IPv6 per load balancer when asked, still one IPv4 each", () => {
    const ips = ofType(prodIpv6, IP).sort((a, b) => a.name.localeCompare(b.name));
    expect(ips.map((i) => [i.name, i.inputs.isIpv6 ?? false, i.protect])).toEqual([
      ["renfort-origin-ip-primary", false, true],
      ["renfort-origin-ip-secondary", false, true],
      ["renfort-origin-ipv6-primary", true, true],
      ["renfort-origin-ipv6-secondary", true, true],
    ]);
    expect(ofType(prodIpv6, LB).map((l) => (l.inputs.ipIds as string[]).length)).toEqual([2, 2]);
    expect(prodIpv6.outputs.ipv6Addresses).toHaveLength(2);
    expect(prod.outputs.ipv6Addresses).toEqual([]);
  });

  it("protects the IPs in prod, not in staging", () => {
    expect(ofType(prod, IP).map((i) => i.protect)).toEqual([true, true]);
    expect(ofType(staging, IP).map((i) => i.protect)).toEqual([false, false]);
  });

  it("outputs both IPv4 addresses and the apex A records pointing at both", () => {
    const ips = prod.outputs.ipAddresses as string[];
    expect(ips).toHaveLength(2);
    expect(new Set(ips).size).toBe(2);
    expect(prod.outputs.apexRecords).toEqual(ips.map((value) => ({ name: "renfort.gouv.fr", type: "A", value, ttl: 3600 })));
  });

  it("declares the apex records (and the ACME delegation) in Scaleway DNS only where the zone is managed here", () => {
    const records = ofType(prod, "scaleway:domain/record:Record");
    expect(records.map((r) => [r.name, r.inputs.dnsZone, r.inputs.name, r.inputs.type, r.inputs.data])).toEqual([
      ["renfort-origin-apex-a-primary", "renfort.gouv.fr", "", "A", (prod.outputs.ipAddresses as string[])[0]],
      ["renfort-origin-apex-a-secondary", "renfort.gouv.fr", "", "A", (prod.outputs.ipAddresses as string[])[1]],
      ["renfort-origin-apex-acme-delegation", "renfort.gouv.fr", "_acme-challenge", "CNAME", "_acme-challenge-apex.renfort-benevoles.fr."],
    ]);
    expect(ofType(staging, "scaleway:domain/record:Record")).toEqual([]);
  });
});

describe("frontends, ACLs and certificates", () => {
  const frontends = (run: ProgramRun) =>
    ofType(run, "scaleway:loadbalancers/frontend:Frontend").map((f) => [f.name, f.inputs.inboundPort, (f.inputs.certificateIds as unknown[] | undefined)?.length ?? 0, f.inputs.externalAcls]);

  it("gives both load balancers 443 with both certificates and 80 without, where the apex records are managed here", () => {
    expect(frontends(prod)).toEqual([
      ["renfort-origin-http-primary", 80, 0, true],
      ["renfort-origin-http-secondary", 80, 0, true],
      ["renfort-origin-https-primary", 443, 2, true],
      ["renfort-origin-https-secondary", 443, 2, true],
    ]);
  });

  it("gives both load balancers the same ACLs, in the same order, on their own frontends", () => {
    const acls = ofType(prod, "scaleway:loadbalancers/acl:Acl");
    const per = (key: string) =>
      acls
        .filter((a) => a.name.startsWith(`renfort-origin-acl-${key}-`))
        .map((a) => ({ name: a.name.replace(`-${key}-`, "-"), index: a.inputs.index, action: a.inputs.action, match: a.inputs.match, frontendId: a.inputs.frontendId }));
    const [primary, secondary] = KEYS.map(per);
    expect(primary).toHaveLength(7);
    expect(primary.map(({ frontendId: _f, ...rest }) => rest)).toEqual(secondary.map(({ frontendId: _f, ...rest }) => rest));
    expect(new Set(primary.map((a) => a.frontendId)).size).toBe(2);
    expect(primary.map((a) => a.frontendId).some((id) => secondary.map((b) => b.frontendId).includes(id))).toBe(false);
  });

  it("on port 80 only redirects: the apex straight to the main host, then everything to https (no ACME pass-through: nothing validates over HTTP-01)", () => {
    const http = ofType(prod, "scaleway:loadbalancers/acl:Acl")
      .filter((a) => /-acl-primary-http-/.test(a.name))
      .sort((a, b) => Number(a.inputs.index) - Number(b.inputs.index));
    expect(http.map((a) => [a.inputs.index, a.name, (a.inputs.action as { type: string }).type])).toEqual([
      [0, "renfort-origin-acl-primary-http-apex-redirect", "redirect"],
      [1, "renfort-origin-acl-primary-http-to-https", "redirect"],
    ]);
  });

  it("orders the ACLs on 443: apex 301, /readyz denied, other hosts denied, Cloudflare-only main host with the origin-auth header, deny", () => {
    const https = ofType(prod, "scaleway:loadbalancers/acl:Acl")
      .filter((a) => /-acl-secondary-https-/.test(a.name))
      .sort((a, b) => Number(a.inputs.index) - Number(b.inputs.index));
    expect(https.map((a) => [a.inputs.index, a.name, (a.inputs.action as { type: string }).type])).toEqual([
      [0, "renfort-origin-acl-secondary-https-apex-redirect", "redirect"],
      [1, "renfort-origin-acl-secondary-https-deny-internal-paths", "deny"],
      [2, "renfort-origin-acl-secondary-https-deny-other-hosts", "deny"],
      [3, "renfort-origin-acl-secondary-https-main-from-cloudflare", "allow"],
      [4, "renfort-origin-acl-secondary-https-deny-rest", "deny"],
    ]);
    expect(unwrapSecrets(https[3].inputs.match)).toEqual({
      ipSubnets: [...CLOUDFLARE_IPS.ipv4, ...CLOUDFLARE_IPS.ipv6],
      httpFilter: "http_header_match",
      httpFilterOption: "x-renfort-origin-auth",
      httpFilterValues: [unwrapSecrets(prod.outputs.originAuthValue)],
    });
    expect(https[0].inputs.action).toEqual({ type: "redirect", redirects: [{ type: "location", target: "https://www.renfort-benevoles.fr/{{path}}?{{query}}", code: 301 }] });
  });

  it("presents one Cloudflare Origin CA certificate on both load balancers, secret end to end", () => {
    const ca = ofType(prod, "cloudflare:index/originCaCertificate:OriginCaCertificate");
    expect(ca).toHaveLength(1);
    expect(ca[0].inputs).toMatchObject({ hostnames: ["www.renfort-benevoles.fr"], requestType: "origin-rsa", requestedValidity: 5475 });
    for (const key of KEYS) {
      const main = byName(prod, `renfort-origin-cert-main-${key}`).inputs.customCertificate as { certificateChain: unknown };
      expect(isSecret(main.certificateChain)).toBe(true);
      expect(String(unwrapSecrets(main.certificateChain))).toMatch(/^-----BEGIN CERTIFICATE-----\nMOCK-ORIGIN-CA-[\s\S]+-----BEGIN PRIVATE KEY-----/);
    }
  });

  it("obtains ONE apex certificate over DNS-01 and uploads the same chain to both load balancers, secret end to end", () => {
    const orders = ofType(prod, "acme:index/certificate:Certificate");
    expect(orders.map((o) => o.name)).toEqual(["renfort-origin-apex-certificate"]);
    const order = orders[0];
    expect(order.inputs).toMatchObject({ commonName: "renfort.gouv.fr", keyType: "2048", minDaysRemaining: 30 });
    // The Cloudflare token is a secret in the recorded inputs, never plain text.
    const challenges = order.inputs.dnsChallenges as { provider: string; config: Record<string, unknown> }[];
    expect(challenges.map((c) => c.provider)).toEqual(["cloudflare"]);
    expect(Object.keys(challenges[0].config).sort()).toEqual(["CF_DNS_API_TOKEN", "CF_ZONE_API_TOKEN"]);
    expect(Object.values(challenges[0].config).every(isSecret)).toBe(true);
    expect(unwrapSecrets(challenges[0].config.CF_DNS_API_TOKEN)).toBe(SECRETS.acmeToken);
    expect(JSON.stringify(redactSecrets({ resources: prod.resources, outputs: prod.outputs }))).not.toContain(SECRETS.acmeToken);
    // Production directory for prod, through the order's own provider; the account key is the registration's.
    const provider = byName(prod, "renfort-origin-acme");
    expect(provider.inputs.serverUrl).toBe("https://acme-v02.api.letsencrypt.org/directory");
    expect(order.dependsOn).toContain(byName(prod, "renfort-origin-acme-account").urn);
    expect(isSecret(order.inputs.accountKeyPem)).toBe(true);
    const chains = KEYS.map((key) => {
      const cert = byName(prod, `renfort-origin-cert-apex-${key}`);
      expect(cert.inputs.letsencrypt).toBeUndefined();
      expect(cert.dependsOn).toContain(order.urn);
      return (cert.inputs.customCertificate as { certificateChain: unknown }).certificateChain;
    });
    expect(chains.every(isSecret)).toBe(true);
    expect(unwrapSecrets(chains[0])).toBe(unwrapSecrets(chains[1]));
    // Leaf, Let's Encrypt's intermediate, then the key (the API's "entire certificate chain including ... private key").
    expect(String(unwrapSecrets(chains[0]))).toMatch(/^-----BEGIN CERTIFICATE-----\nMOCK-ACME-LEAF-[\s\S]+MOCK-LETS-ENCRYPT-R11[\s\S]+-----BEGIN RSA PRIVATE KEY-----\nMOCK-ACME-KEY-/);
    expect(prod.outputs.apexCertificateNotAfter).toBe("2026-04-01T00:00:00Z");
  });

  it("declares the _acme-challenge CNAME in the apex zone when it is managed here, before the order; waits for no A record", () => {
    const cname = byName(prod, "renfort-origin-apex-acme-delegation");
    expect(cname.inputs).toEqual({ dnsZone: "renfort.gouv.fr", name: "_acme-challenge", type: "CNAME", data: "_acme-challenge-apex.renfort-benevoles.fr.", ttl: 3600 });
    const order = byName(prod, "renfort-origin-apex-certificate");
    expect(order.dependsOn).toContain(cname.urn);
    // DNS-01 does not need the apex to resolve to the load balancers: the order does not wait for the A records.
    for (const key of KEYS) expect(order.dependsOn).not.toContain(byName(prod, `renfort-origin-apex-a-${key}`).urn);
    expect(prod.resources.filter((r) => /apex-resolves/.test(r.name) || r.type.includes("ApexResolves"))).toEqual([]);
    expect(prod.outputs.apexAcmeDelegation).toEqual({ name: "_acme-challenge.renfort.gouv.fr", type: "CNAME", value: "_acme-challenge-apex.renfort-benevoles.fr", ttl: 3600 });
  });

  it("requests no apex certificate before the apex zone's owner has delegated the challenge (first deploy), and outputs the CNAME to add", () => {
    expect(staging.resources.filter((r) => /cert-apex|apex-certificate|acme/.test(r.name))).toEqual([]);
    expect(frontends(staging).map((f) => f[2])).toEqual([0, 0, 1, 1]);
    expect(staging.outputs.apexAcmeDelegation).toEqual({ name: "_acme-challenge.staging.renfort.gouv.fr", type: "CNAME", value: "_acme-challenge-apex.renfort-staging.fr", ttl: 3600 });
    expect(staging.outputs.apexCertificateNotAfter).toBeUndefined();
  });

  it("refuses to declare the apex certificate without the DNS-01 token, naming the key", () => {
    expect(() => originArgsFromConfig(committedStack("prod").config, { originTlsPrivateKey: pulumi.secret(SECRETS.tlsKey) }, { privateNetworkId: PN })).toThrow(
      "renfort:acmeDnsApiToken is required: set it with pulumi config set --secret acmeDnsApiToken <value>",
    );
  });

  it("is the resource the renewal workflow targets, in each stack", () => {
    const workflow = readFileSync(join(__dirname, "..", "..", ".github", "workflows", "apex-certificate.yml"), "utf8");
    const targets = [...workflow.matchAll(/^\s+target: (\S+)$/gm)].map((m) => m[1]);
    expect(targets).toEqual([byName(stagingDelegated, "renfort-origin-apex-certificate").urn, byName(prod, "renfort-origin-apex-certificate").urn]);
  });

  it("requests the apex certificate from Let's Encrypt's staging directory once renfort:domain.apexChallengeDelegated is true", () => {
    expect(byName(stagingDelegated, "renfort-origin-acme").inputs.serverUrl).toBe("https://acme-staging-v02.api.letsencrypt.org/directory");
    expect(byName(stagingDelegated, "renfort-origin-apex-certificate").inputs.commonName).toBe("staging.renfort.gouv.fr");
    // The owner declares the CNAME: nothing in Scaleway DNS here.
    expect(stagingDelegated.resources.filter((r) => r.type === "scaleway:domain/record:Record")).toEqual([]);
    for (const key of KEYS) expect(byName(stagingDelegated, `renfort-origin-cert-apex-${key}`).inputs.customCertificate).toBeDefined();
    expect(frontends(stagingDelegated).map((f) => f[2])).toEqual([0, 0, 2, 2]);
  });
});

describe("backends and fleet", () => {
  it("gives each load balancer an HTTP backend to the app port checked on GET /readyz (readiness, database included)", () => {
    for (const run of [prod, staging]) {
      const b = ofType(run, "scaleway:loadbalancers/backend:Backend");
      expect(b.map((x) => x.name)).toEqual(["renfort-origin-backend-primary", "renfort-origin-backend-secondary"]);
      for (const x of b) expect(x.inputs).toMatchObject({ forwardProtocol: "http", forwardPort: 8080, healthCheckHttp: { uri: "/readyz", method: "GET", code: 200 }, healthCheckDelay: "5s", healthCheckMaxRetries: 3 });
    }
  });

  it("passes scw-lb-healthcheck with each stack's pack config, and a backend checking /healthz violates it", async () => {
    for (const [name, run] of [["prod", prod], ["staging", staging]] as const) {
      const config = (JSON.parse(readFileSync(join(__dirname, "..", "..", "policies", "config", `${name}.json`), "utf8")) as Record<string, object>)["scw-lb-healthcheck"];
      const backends: GateResource[] = ofType(run, "scaleway:loadbalancers/backend:Backend").map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        props: unwrapSecrets(r.inputs) as Record<string, unknown>,
        protect: r.protect,
        dependencies: r.dependsOn,
      }));
      const byUrn = new Map(backends.map((r) => [r.urn, r]));
      for (const r of backends) expect([name, await runResourcePolicy(scwLbHealthcheck, r, config, byUrn)]).toEqual([name, []]);
      for (const r of backends) {
        const liveness = { ...r, props: { ...r.props, healthCheckHttp: { ...(r.props.healthCheckHttp as object), uri: "/healthz" } } };
        const out = await runResourcePolicy(scwLbHealthcheck, liveness, config, byUrn);
        expect(out).toEqual([expect.objectContaining({ message: expect.stringContaining('calls "/healthz"') })]);
      }
    }
  });

  it("registers one instance group per load balancer, in its zone and backend, sized by the capacity model", () => {
    const release = prod.outputs.release as string;
    const groups = ofType(prod, GROUP);
    expect(groups.map((g) => [g.name, g.inputs.zone])).toEqual([
      [`renfort-fleet-group-primary-${release}`, "fr-par-1"],
      [`renfort-fleet-group-secondary-${release}`, "fr-par-2"],
    ]);
    const lbs = ofType(prod, LB);
    const backends = ofType(prod, "scaleway:loadbalancers/backend:Backend");
    groups.forEach((g, i) => {
      const inputs = g.inputs as { capacities: unknown[]; loadBalancers: { id: string; backendIds: string[]; privateNetworkId: string }[]; tags: string[] };
      // prod: the model's 6 (max 12) over two groups.
      expect(inputs.capacities).toEqual([{ minReplicas: 3, maxReplicas: 6, cooldownDelay: 300 }]);
      expect(inputs.loadBalancers).toHaveLength(1);
      expect(inputs.loadBalancers[0].id.startsWith("fr-par-")).toBe(true);
      expect(inputs.loadBalancers[0].privateNetworkId).toBe(PN);
      expect(inputs.loadBalancers[0].backendIds).toHaveLength(1);
      expect(inputs.tags).toEqual(expect.arrayContaining([`renfort-release=${release}`, "renfort-capacity-target=600", "renfort-capacity-per-instance=150", "renfort-pool-size=20"]));
      expect(lbs[i].inputs.zone).toBe(g.inputs.zone);
      expect(backends[i].name.endsWith(KEYS[i])).toBe(true);
    });
    expect(new Set(groups.map((g) => (g.inputs.loadBalancers as { id: string }[])[0].id)).size).toBe(2);
    expect(ofType(staging, GROUP).map((g) => g.inputs.capacities)).toEqual([
      [{ minReplicas: 1, maxReplicas: 2, cooldownDelay: 300 }],
      [{ minReplicas: 1, maxReplicas: 2, cooldownDelay: 300 }],
    ]);
    expect(ofType(prod, "scaleway:autoscaling/instancePolicy:InstancePolicy").map((p) => p.inputs.action).sort()).toEqual(["scale_down", "scale_down", "scale_up", "scale_up"]);
  });

  it("gates the release on every backend's health before anything is deleted", () => {
    const release = prod.outputs.release as string;
    const gate = byName(prod, `renfort-fleet-health-gate-${release}`);
    expect(gate.type).toBe("pulumi-nodejs:dynamic/renfort:FleetHealthGate");
    expect(gate.inputs).toMatchObject({ release, region: "fr-par", timeoutSeconds: 900, apiUrl: "https://api.scaleway.com" });
    const targets = gate.inputs.targets as { key: string; zone: string; minHealthy: number; instanceGroupId: string }[];
    expect(targets.map((t) => [t.key, t.zone, t.minHealthy])).toEqual([
      ["primary", "fr-par-1", 3],
      ["secondary", "fr-par-2", 3],
    ]);
    expect(gate.dependsOn).toEqual(expect.arrayContaining(ofType(prod, GROUP).map((g) => g.urn)));
    // Nothing secret goes to the gate: it reads SCW_SECRET_KEY from the environment of pulumi up.
    const { __provider: code, ...data } = gate.inputs;
    expect(JSON.stringify(data)).not.toMatch(/secret/i);
    expect(String(code)).toContain("process.env.SCW_SECRET_KEY");
  });

  it("gives no fleet instance a public IP and keeps it on the private network", () => {
    for (const run of [prod, staging]) {
      const templates = ofType(run, TEMPLATE);
      expect(templates.map((t) => t.inputs.zone)).toEqual(["fr-par-1", "fr-par-2"]);
      for (const t of templates) {
        expect(t.inputs).toMatchObject({ publicIpsV4Count: 0, publicIpsV6Count: 0, privateNetworkIds: [PN] });
        expect(t.inputs.placementGroupId).toEqual(expect.any(String));
        expect(t.inputs.securityGroupId).toEqual(expect.any(String));
      }
      expect(ofType(run, "scaleway:instance/ip:Ip")).toEqual([]);
    }
    expect(ofType(prod, "scaleway:instance/placementGroup:PlacementGroup").map((p) => [p.inputs.zone, p.inputs.policyType])).toEqual([
      ["fr-par-1", "max_availability"],
      ["fr-par-2", "max_availability"],
    ]);
    expect(ofType(prod, "scaleway:instance/securityGroup:SecurityGroup")[0].inputs).toMatchObject({
      inboundDefaultPolicy: "drop",
      inboundRules: [{ action: "accept", protocol: "TCP", port: 8080, ipRange: "172.16.0.0/22" }],
    });
  });

  it("boots each zone's instances from that zone's snapshot", () => {
    expect(ofType(prod, TEMPLATE).map((t) => (t.inputs.volumes as { fromSnapshot: { snapshotId: string } }[])[0].fromSnapshot.snapshotId)).toEqual([
      "b8e2d4c6-1a3f-4e5d-8b7c-9d0e1f2a3b4c",
      "00000000-0000-0000-0000-000000000000",
    ]);
  });

  it("runs the image pinned by digest from the project's private registry, and shows it in clear", () => {
    expect(ofType(prod, "scaleway:registry/namespace:Namespace").map((n) => n.inputs)).toEqual([expect.objectContaining({ name: "renfort-prod", isPublic: false })]);
    expect(prod.outputs.registry).toBe("rg.fr-par.scw.cloud/renfort-prod");
    const image = "rg.fr-par.scw.cloud/renfort-prod/renfort-app@sha256:fe2db241df18491d13353c95e74653e5a299add23221a4ca7018ef12c990f160";
    expect(prod.outputs.imageReference).toBe(image);
    for (const t of ofType(prod, TEMPLATE)) {
      expect(isSecret(t.inputs.cloudInit)).toBe(true);
      expect(String(unwrapSecrets(t.inputs.cloudInit))).toContain(`docker pull ${image}\n`);
      expect(t.inputs.tags).toContain(`renfort-image=${image}`);
    }
  });

  it("writes the app's plain env, trusting Cloudflare and the private subnet", () => {
    const t = ofType(prod, TEMPLATE)[0];
    const env = readPlainEnv(String(unwrapSecrets(t.inputs.cloudInit)));
    expect(env).toMatchObject({ PORT: "8080", MAIL_FROM: "benevoles@mail.renfort-benevoles.fr", DEGRADED_MODE: "off", PG_POOL_SIZE: "20", PG_POOL_MIN: "20" });
    expect(env.TRUSTED_PROXIES.split(",")).toEqual([...CLOUDFLARE_IPS.ipv4, ...CLOUDFLARE_IPS.ipv6, "172.16.0.0/22"]);
    for (const key of ["DATABASE_URL", "SMTP_URL", "ADMIN_TOKEN"]) expect(env).not.toHaveProperty(key);
  });

  it("reports the capacity verdict of each stack", () => {
    expect(prod.outputs.capacity).toMatchObject({ target: 600, perInstance: 150, headroom: 1.5, requiredCapacity: 900, minInstances: 6, maxInstances: 12, ok: true });
    expect(staging.outputs.capacity).toMatchObject({ target: 100, minInstances: 1, maxInstances: 4, connectionBudget: { used: 188, available: 200, appRoleLimit: 170 }, ok: true });
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
  it("makes the fleet a sibling of the origin, each parenting its own resources", () => {
    const origin = byName(prod, "renfort-origin");
    const fleet = byName(prod, "renfort-fleet");
    expect(origin.type).toBe("renfort:origin:Origin");
    expect(fleet.type).toBe("renfort:fleet:Fleet");
    expect(fleet.parent).toBe(origin.parent);
    const owned = prod.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"));
    // Both components' resources are there to check (not an empty loop).
    expect([owned.some((r) => r.name.startsWith("renfort-origin-")), owned.some((r) => r.name.startsWith("renfort-fleet-"))]).toEqual([true, true]);
    for (const r of owned) {
      const owner = r.name.startsWith("renfort-origin-") ? origin : fleet;
      expect(r.name.startsWith("renfort-origin-") || r.name.startsWith("renfort-fleet-")).toBe(true);
      expect(r.parent).toBe(owner.urn);
    }
  });
});

describe("origin lock: the origin-auth secret", () => {
  const acceptedValues = (run: ProgramRun, key: string) =>
    byName(run, `renfort-origin-acl-${key}-https-main-from-cloudflare`).inputs.match as { httpFilterOption: string; httpFilterValues: unknown[] };
  const passwords = (run: ProgramRun) => ofType(run, "random:index/randomPassword:RandomPassword").filter((r) => r.name.startsWith("renfort-origin-origin-auth-"));

  it("is one generated password (generation 1 by default), secret in every ACL that accepts it and in what the edge gets", () => {
    expect(passwords(prod).map((p) => [p.name, p.inputs.length, p.inputs.special])).toEqual([["renfort-origin-origin-auth-g1", 48, false]]);
    const value = unwrapSecrets(prod.outputs.originAuthValue) as string;
    expect(isSecret(prod.outputs.originAuthValue)).toBe(true);
    expect(value).toMatch(/^.{48}$/);
    expect(prod.outputs.originAuthHeader).toBe("x-renfort-origin-auth");
    for (const key of ["primary", "secondary"]) {
      const m = acceptedValues(prod, key);
      expect(m.httpFilterOption).toBe("x-renfort-origin-auth");
      expect(m.httpFilterValues.every(isSecret)).toBe(true);
      expect(unwrapSecrets(m.httpFilterValues)).toEqual([value]);
    }
    // The plan's JSON, terminal and Markdown are written from the redacted form: the value is nowhere in it.
    expect(JSON.stringify(redactSecrets({ resources: prod.resources, outputs: prod.outputs }))).not.toContain(value);
  });

  it("is handed to the edge only after every ACL that accepts it (so a rotation never sends a value the load balancers refuse)", () => {
    // Check through the engine: a resource taking the value depends on every ACL.
    return evaluateStack(committedStack("prod"), () => {
      const cfg = committedStack("prod").config;
      const opts = withProviders(cfg);
      const origin = createOrigin(cfg, { originTlsPrivateKey: pulumi.secret(SECRETS.tlsKey), adminToken: pulumi.secret(SECRETS.adminToken), acmeDnsApiToken: pulumi.secret(SECRETS.acmeToken) }, { privateNetworkId: pulumi.output(PN) }, opts);
      const [, cf] = opts.providers;
      new cloudflare.Ruleset(
        "consumer",
        { zoneId: "z", kind: "zone", phase: "http_request_late_transform", name: "n", rules: [{ expression: "true", action: "rewrite", actionParameters: { headers: { h: { operation: "set", value: origin.originAuth.value } } } }] },
        { provider: cf },
      );
      return {};
    }).then((run) => {
      const consumer = byName(run, "consumer");
      const acls = ofType(run, "scaleway:loadbalancers/acl:Acl").map((a) => a.urn);
      expect(acls).toHaveLength(14);
      expect(consumer.dependsOn).toEqual(expect.arrayContaining(acls));
    });
  });

  it("during a rotation accepts the previous and the current value, the edge gets the current one, and each generation keeps its value", async () => {
    const at = (originAuth: Record<string, number>) =>
      runStack("staging", false, (raw) => {
        (raw.origin as Record<string, unknown>).originAuth = originAuth;
      });
    // One after the other: the mocked engine is process-wide.
    const before = await at({ current: 1 });
    const rotating = await at({ current: 2, previous: 1 });
    const after = await at({ current: 2 });
    const accepted = (run: ProgramRun) => unwrapSecrets(acceptedValues(run, "primary").httpFilterValues) as string[];
    const sent = (run: ProgramRun) => unwrapSecrets(run.outputs.originAuthValue) as string;
    expect(passwords(rotating).map((p) => p.name).sort()).toEqual(["renfort-origin-origin-auth-g1", "renfort-origin-origin-auth-g2"]);
    const [g1] = accepted(before);
    const [g2] = accepted(after);
    expect(g1).not.toBe(g2);
    // Before: g1 only; during: g2 (sent) and g1 (still accepted); after: g2 only.
    expect(sent(before)).toBe(g1);
    expect(accepted(rotating)).toEqual([g2, g1]);
    expect(sent(rotating)).toBe(g2);
    expect(sent(after)).toBe(g2);
    expect(accepted(after)).toEqual([g2]);
    expect(passwords(after).map((p) => p.name)).toEqual(["renfort-origin-origin-auth-g2"]);
  });

  it("refuses previous equal to current, naming the key", () => {
    expect(() => committedStack("staging", (raw) => ((raw.origin as Record<string, unknown>).originAuth = { current: 1, previous: 1 }))).toThrow(
      /renfort:origin\.originAuth\.previous is invalid: previous must differ from current/,
    );
  });
});
