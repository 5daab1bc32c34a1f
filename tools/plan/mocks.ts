/**
 * Mocked providers for the offline plan and the tests: every resource gets the computed outputs a real
 * deployment would give it (ids, IPs, endpoints, DNS values), derived deterministically from its type and
 * name so that two plans of the same code are identical and a plan diff shows only real changes.
 * Invokes are not mocked: the program takes ids from config instead of looking them up, and an invoke
 * that reaches here is a bug that would also need credentials at preview time.
 * Mocks API: https://www.pulumi.com/docs/iac/concepts/testing/unit/
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { wireSecret } from "./values";

type State = Record<string, unknown>;

function digest(...parts: string[]): Buffer {
  return createHash("sha256").update(parts.join("\u0000")).digest();
}

/** A UUID-shaped id, stable for a (type, name) pair. */
export function stableUuid(...parts: string[]): string {
  const h = digest(...parts).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A public IPv4 in Scaleway's 51.159.0.0/16, stable for a name. */
export function stablePublicIp(name: string): string {
  const h = digest("public-ip", name);
  return `51.159.${h[0]}.${(h[1] % 253) + 1}`;
}

/** A host address inside the first /24 of a private subnet, stable for a name. */
export function stablePrivateIp(name: string, subnet = "172.16.0.0/22"): string {
  const base = subnet.split("/")[0].split(".").map(Number);
  const h = digest("private-ip", name);
  return `${base[0]}.${base[1]}.${base[2]}.${(h[0] % 200) + 10}`;
}

/** A 2048-bit RSA public key (SubjectPublicKeyInfo, base64), as Scaleway TEM publishes in its DKIM record. */
export const MOCK_TEM_DKIM_PUBLIC_KEY =
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwc3s6h2wJexjNsIoGvbKZ1y+2Ri5DKa+p9lSrroYSG85wZjX3QS8+/ivFMZtSXUTFCZSA00S/3+IUHsG/ZXts6jtegRaWpiuYixOvmAx/R14MdRqnibiSVpZ/Xh5s5M6nF3X8vMXQ2PT9TYOCGwmU2sISUM133gQp5lnWCXt23bw1epPQFqw9cxlmVdMOtu74eSln1A04ziaam15f/0fHFQ3zQ4gwMQwjFhc02p7fsjHS+YI/wrvPCZyx4entb6kcwcmirqPY3OYU1KLNJJewgdwR6JyrlruYXUJ5peYxN/h8+h4R0f4mme/y7zasMeXGHZ1HI15znE55J408tMWMwIDAQAB";

/** The Scaleway project the mocked resources live in. */
export const MOCK_PROJECT_ID = "11111111-2222-4333-a444-555555555555";

function str(v: unknown, fallback: string): string {
  return typeof v === "string" && v.length > 0 ? v : fallback;
}

function scalewayLocality(inputs: State, key: "zone" | "region", fallback: string): string {
  return str(inputs[key], fallback);
}

/** Computed outputs per resource type; anything not listed echoes its inputs with a stable id. */
const computed: Record<string, (name: string, inputs: State) => State> = {
  "cloudflare:index/dnsRecord:DnsRecord": (name) => ({ proxiable: true, createdOn: "2026-01-01T00:00:00Z", id: stableUuid("dns", name) }),
  "cloudflare:index/zoneSetting:ZoneSetting": () => ({ editable: true, modifiedOn: "2026-01-01T00:00:00Z" }),
  "cloudflare:index/originCaCertificate:OriginCaCertificate": (name, inputs) => ({
    certificate: `-----BEGIN CERTIFICATE-----\nMOCK-ORIGIN-CA-${stableUuid("origin-ca", name)}\n-----END CERTIFICATE-----\n`,
    expiresOn: "2041-01-01T00:00:00Z",
    hostnames: inputs.hostnames,
  }),
  // The provider generates the account key and marks it secret (additionalSecretOutputs); the mock monitor does not, so mark it here.
  "acme:index/registration:Registration": (name) => ({
    accountKeyPem: wireSecret(`-----BEGIN EC PRIVATE KEY-----\nMOCK-ACME-ACCOUNT-${stableUuid("acme-account", name)}\n-----END EC PRIVATE KEY-----\n`),
    registrationUrl: `https://acme-v02.api.letsencrypt.org/acme/acct/${parseInt(stableUuid("acme-account", name).slice(0, 8), 16)}`,
  }),
  // A 90-day certificate (Let's Encrypt's lifetime) with its intermediate; the private key is secret as the provider marks it.
  "acme:index/certificate:Certificate": (name, inputs) => ({
    certificatePem: `-----BEGIN CERTIFICATE-----\nMOCK-ACME-LEAF-${stableUuid("acme-cert", name)}\n-----END CERTIFICATE-----\n`,
    issuerPem: "-----BEGIN CERTIFICATE-----\nMOCK-LETS-ENCRYPT-R11\n-----END CERTIFICATE-----\n",
    privateKeyPem: wireSecret(`-----BEGIN RSA PRIVATE KEY-----\nMOCK-ACME-KEY-${stableUuid("acme-key", name)}\n-----END RSA PRIVATE KEY-----\n`),
    certificateDomain: inputs.commonName,
    certificateNotBefore: "2026-01-01T00:00:00Z",
    certificateNotAfter: "2026-04-01T00:00:00Z",
    certificateSerial: parseInt(stableUuid("acme-serial", name).slice(0, 8), 16).toString(),
    certificateUrl: `https://acme-v02.api.letsencrypt.org/acme/cert/${stableUuid("acme-cert", name).replace(/-/g, "")}`,
  }),
  "scaleway:network/vpc:Vpc": (_n, inputs) => ({ region: scalewayLocality(inputs, "region", "fr-par"), projectId: MOCK_PROJECT_ID }),
  "scaleway:network/privateNetwork:PrivateNetwork": (_n, inputs) => ({
    region: scalewayLocality(inputs, "region", "fr-par"),
    ipv4Subnet: { subnet: "172.16.0.0/22", gateway: "172.16.0.1", ...(inputs.ipv4Subnet as State | undefined) },
  }),
  "scaleway:loadbalancers/ip:Ip": (name, inputs) => ({
    ipAddress: stablePublicIp(name),
    zone: scalewayLocality(inputs, "zone", "fr-par-1"),
    reverse: `${stablePublicIp(name).replace(/\./g, "-")}.lb.fr-par.scw.cloud`,
  }),
  "scaleway:loadbalancers/loadBalancer:LoadBalancer": (name, inputs) => ({
    zone: scalewayLocality(inputs, "zone", "fr-par-1"),
    ipAddress: stablePublicIp(`${name}-first-ip`),
    status: "ready",
  }),
  "scaleway:loadbalancers/certificate:Certificate": (name, inputs) => {
    const le = inputs.letsencrypt as State | undefined;
    return {
      commonName: le?.commonName ?? `mock-custom-${name}`,
      subjectAlternativeNames: le?.subjectAlternativeNames ?? [],
      fingerprint: digest("cert", name).toString("hex").slice(0, 40),
      status: "ready",
      notValidAfter: "2041-01-01T00:00:00Z",
    };
  },
  "scaleway:databases/instance:Instance": (name, inputs) => {
    const pn = inputs.privateNetwork as State | undefined;
    return {
      region: scalewayLocality(inputs, "region", "fr-par"),
      ...(pn
        ? {
            privateNetwork: {
              ...pn,
              ip: stablePrivateIp(`${name}-pn`),
              port: 5432,
              hostname: `${stableUuid("rdb", name)}.rdb.fr-par.privatenetwork.internal`,
              endpointId: stableUuid("rdb-pn-endpoint", name),
              name: "pn",
            },
          }
        : {}),
      ...(inputs.loadBalancer
        ? { loadBalancer: { ip: stablePublicIp(`${name}-rdb`), port: 5432, hostname: `${stableUuid("rdb", name)}.rdb.fr-par.scw.cloud`, endpointId: stableUuid("rdb-lb", name), name: "lb" } }
        : {}),
      certificate: "-----BEGIN CERTIFICATE-----\nMOCK-RDB-CA\n-----END CERTIFICATE-----\n",
    };
  },
  "scaleway:databases/readReplica:ReadReplica": (name) => ({
    privateNetwork: { ip: stablePrivateIp(`${name}-replica`), port: 5432, hostname: `${stableUuid("rdb-rr", name)}.rdb.fr-par.privatenetwork.internal` },
  }),
  "scaleway:registry/namespace:Namespace": (name, inputs) => ({
    endpoint: `rg.${scalewayLocality(inputs, "region", "fr-par")}.scw.cloud/${str(inputs.name, name)}`,
    region: scalewayLocality(inputs, "region", "fr-par"),
  }),
  "scaleway:instance/server:Server": (name, inputs) => ({
    zone: scalewayLocality(inputs, "zone", "fr-par-1"),
    privateIps: [{ address: stablePrivateIp(`${name}-server`), id: stableUuid("ipam", name) }],
  }),
  "scaleway:tem/domain:Domain": (_name, inputs) => {
    const domain = str(inputs.name, "mail.example.org");
    return {
      region: scalewayLocality(inputs, "region", "fr-par"),
      status: "checked",
      spfConfig: "include:_spf.tem.scaleway.com",
      spfValue: "v=spf1 include:_spf.tem.scaleway.com -all",
      dkimName: `${MOCK_PROJECT_ID}._domainkey.${domain}.`,
      dkimConfig: `v=DKIM1; h=sha256; k=rsa; p=${MOCK_TEM_DKIM_PUBLIC_KEY}`,
      dmarcName: `_dmarc.${domain}.`,
      dmarcConfig: "v=DMARC1; p=none",
      mxConfig: "10 blackhole.tem.scaleway.com.",
      mxBlackhole: "blackhole.tem.scaleway.com.",
      smtpHost: "smtp.tem.scaleway.com",
      smtpPort: 587,
      smtpPortAlternative: 2587,
      smtpsPort: 465,
      smtpsPortAlternative: 2465,
      smtpsAuthUser: MOCK_PROJECT_ID,
    };
  },
  "scaleway:tem/domainValidation:DomainValidation": () => ({ validated: true }),
  // The secret key is only returned at creation, and the provider marks it secret.
  "scaleway:iam/apiKey:ApiKey": (name) => ({ accessKey: "SCW0000000000MOCKKEY", secretKey: wireSecret(stableUuid("iam-secret-key", name)) }),
  "scaleway:domain/zone:Zone": () => ({ ns: ["ns0.dom.scw.cloud", "ns1.dom.scw.cloud"], nsDefault: ["ns0.dom.scw.cloud", "ns1.dom.scw.cloud"], status: "active" }),
  "scaleway:domain/record:Record": (_n, inputs) => ({ fqdn: [inputs.name, inputs.dnsZone].filter((p) => typeof p === "string" && p.length > 0).join(".") }),
  "random:index/randomPassword:RandomPassword": (name, inputs) => {
    const length = typeof inputs.length === "number" ? inputs.length : 32;
    // Meets Scaleway's rule (upper, lower, digit, special) whatever the length.
    const body = digest("password", name).toString("base64url").replace(/[-_]/g, "x");
    const result = `Aa1!${body}`.padEnd(length, "z").slice(0, length);
    // Real runs mark these outputs secret (additionalSecretOutputs); the mock monitor does not, so mark them here.
    return { result: wireSecret(result), bcryptHash: wireSecret(`$2a$10$mock${name}`) };
  },
};

export interface RecordedCall {
  token: string;
  inputs: unknown;
}

/**
 * The mocks: realistic state per type; invokes throw so that a program never depends on a live lookup.
 * In a preview, like `pulumi preview` before the first deployment, computed outputs are not known yet:
 * resources only echo their inputs.
 */
export function platformMocks(options: { preview?: boolean } = {}): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: State } {
      const inputs = (args.inputs ?? {}) as State;
      const extra = options.preview ? {} : (computed[args.type]?.(args.name, inputs) ?? {});
      const zoneOrRegion = args.type.startsWith("scaleway:") ? (inputs.zone ?? inputs.region) : undefined;
      const rawId = typeof extra.id === "string" ? extra.id : stableUuid(args.type, args.name);
      const id = typeof zoneOrRegion === "string" ? `${zoneOrRegion}/${rawId}` : rawId;
      return { id, state: { ...inputs, ...extra } };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      const message = `The program called the function ${args.token} during the plan. Renfort takes ids from stack config so that previews need no lookup: add the value to the stack's config instead.`;
      // The SDK reports a failed invoke with the RPC error's `details`, as the engine would send them.
      throw Object.assign(new Error(message), { details: message });
    },
  };
}
