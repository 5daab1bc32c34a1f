/**
 * The twin's view of what the program declared: read from the resources the offline plan records
 * (tools/plan/harness.ts), never from a second description. Load balancers with their frontends, ACLs in
 * index order, certificates and backends; instance groups with the environment their template's
 * cloud-init gives the app; the database's roles and admin; the SMTP endpoint the fleet is given.
 *
 * Resources refer to each other by id (`frontendId`, `lbId`, `backendId`...), and the recording holds
 * inputs, not ids: the ids are recomputed with the same mocks the run used (tools/plan/mocks.ts), so a
 * reference resolves exactly as it did during the evaluation.
 */
import { parse as parseYaml } from "yaml";
import type { PlanResource } from "../plan/harness";
import { platformMocks } from "../plan/mocks";
import { unwrapSecrets } from "../plan/values";
import { ACCESS_MODEL, accessSteps, type AccessNames, type RoleKey } from "../../components/database/access-model";

export class TopologyError extends Error {}

export const T = {
  lb: "scaleway:loadbalancers/loadBalancer:LoadBalancer",
  ip: "scaleway:loadbalancers/ip:Ip",
  frontend: "scaleway:loadbalancers/frontend:Frontend",
  backend: "scaleway:loadbalancers/backend:Backend",
  acl: "scaleway:loadbalancers/acl:Acl",
  certificate: "scaleway:loadbalancers/certificate:Certificate",
  originCa: "cloudflare:index/originCaCertificate:OriginCaCertificate",
  acmeCertificate: "acme:index/certificate:Certificate",
  group: "scaleway:autoscaling/instanceGroup:InstanceGroup",
  template: "scaleway:autoscaling/instanceTemplate:InstanceTemplate",
  dbInstance: "scaleway:databases/instance:Instance",
  pgProvider: "pulumi:providers:postgresql",
  pgRole: "postgresql:index/role:Role",
  pgDatabase: "postgresql:index/database:Database",
} as const;

type Inputs = Record<string, unknown>;

/** A resource with its inputs in plain text (secrets unwrapped: the twin needs them; never print these). */
interface Declared {
  urn: string;
  type: string;
  name: string;
  id: string;
  inputs: Inputs;
  /** The computed outputs the mocks gave it (IPs, certificate text). */
  outputs: Inputs;
}

/** `fr-par-1/<uuid>` and `<uuid>` name the same resource: Scaleway ids are compared without their locality. */
export function bareId(id: unknown): string {
  return typeof id === "string" ? id.slice(id.lastIndexOf("/") + 1) : "";
}

function declare(resources: PlanResource[]): Declared[] {
  const mocks = platformMocks();
  return resources
    .filter((r) => r.custom)
    .map((r) => {
      const inputs = unwrapSecrets(r.inputs) as Inputs;
      const made = mocks.newResource({ type: r.type, name: r.name, inputs, provider: "", custom: true }) as { id: string; state: Inputs };
      return { urn: r.urn, type: r.type, name: r.name, id: made.id, inputs, outputs: unwrapSecrets(made.state) as Inputs };
    });
}

export interface AclMatch {
  ipSubnets?: string[];
  httpFilter?: string;
  httpFilterValues?: string[];
  httpFilterOption?: string;
  invert?: boolean;
  /** Matches Scaleway Edge Services' addresses: the twin has no stand-in for them (refused when rendered). */
  ipsEdgeServices?: boolean;
}
export interface AclRedirect {
  type?: string;
  target?: string;
  code?: number;
}
export interface Acl {
  name: string;
  index: number;
  action: { type?: string; redirects?: AclRedirect[] };
  match: AclMatch;
}
export interface Certificate {
  name: string;
  /** Host names the certificate is for. */
  hostnames: string[];
  /** What the real certificate comes from. */
  issuer: "Cloudflare Origin CA" | "Let's Encrypt" | "custom";
}
export interface Backend {
  id: string;
  name: string;
  forwardProtocol: string;
  forwardPort: number;
  algorithm: string;
  healthCheck: { port: number; delayMs: number; timeoutMs: number; maxRetries: number; http?: { uri: string; method: string; code?: number; hostHeader?: string } };
  onMarkedDownAction?: string;
  timeoutConnectMs?: number;
  timeoutServerMs?: number;
  stickySessions?: string;
  proxyProtocol?: string;
}
export interface Frontend {
  id: string;
  name: string;
  inboundPort: number;
  backendId: string;
  timeoutClientMs?: number;
  certificates: Certificate[];
  acls: Acl[];
}
export interface LoadBalancer {
  id: string;
  name: string;
  /** The dedicated IPs the program gives it (as the mocks compute them): the edge's upstream targets. */
  declaredIps: string[];
  sslCompatibilityLevel?: string;
  frontends: Frontend[];
  backends: Backend[];
}
export interface InstanceGroup {
  name: string;
  minReplicas: number;
  maxReplicas: number;
  /** Ids of the backends the group registers its instances in. */
  backendIds: string[];
  /** The app's environment exactly as the template's cloud-init gives it (docker --env-file order). */
  env: Record<string, string>;
  /** Files the cloud-init writes, by absolute path (content as written). */
  files: Record<string, string>;
  /** The port the container publishes. */
  appPort: number;
}
export interface DatabaseDecl {
  /** The instance admin, as Scaleway creates it (LOGIN CREATEDB CREATEROLE, not a superuser). */
  admin: { user: string; password: string };
  /** The maintenance database the provider connects to. */
  maintenanceDatabase: string;
  names: AccessNames;
  passwords: Record<RoleKey, string>;
  /** `settings` of the instance (postgresql.conf parameters). */
  settings: Record<string, string>;
  engine?: string;
}
export interface Topology {
  loadBalancers: LoadBalancer[];
  groups: InstanceGroup[];
  database: DatabaseDecl;
}

/** `"5s"`, `"500ms"`, `"1m"` → milliseconds (the provider's duration strings). */
export function durationMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number") return value;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(value));
  if (!m) throw new TopologyError(`${field} must be a duration such as "5s", got ${JSON.stringify(value)}`);
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"]);
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : typeof v === "string" && v !== "" && !Number.isNaN(Number(v)) ? Number(v) : undefined);

/** The recorded output `field` of `r`, trimmed, when it is a PEM certificate `chain` contains. */
function inChain(r: Declared, field: string, chain: string): boolean {
  const pem = r.outputs[field];
  return typeof pem === "string" && pem.trim() !== "" && chain.includes(pem.trim());
}

function certificateOf(cert: Declared, originCas: Declared[], acmeOrders: Declared[]): Certificate {
  const le = cert.inputs.letsencrypt as Inputs | undefined;
  if (le) {
    const cn = str(le.commonName);
    const sans = Array.isArray(le.subjectAlternativeNames) ? (le.subjectAlternativeNames as string[]) : [];
    return { name: cert.name, hostnames: [...new Set([cn, ...sans].filter((h): h is string => !!h))], issuer: "Let's Encrypt" };
  }
  const chain = str((cert.inputs.customCertificate as Inputs | undefined)?.certificateChain) ?? "";
  // The chain holds the certificate Cloudflare's Origin CA issued (as the mocks computed it): its host names
  // are the ones that resource asked for.
  const issuedBy = originCas.find((o) => inChain(o, "certificate", chain));
  if (issuedBy) {
    return { name: cert.name, hostnames: (issuedBy.inputs.hostnames as string[] | undefined) ?? [], issuer: "Cloudflare Origin CA" };
  }
  // Or the certificate an ACME order obtained over DNS-01 (the apex's, uploaded to every load balancer): its
  // names are the order's.
  const ordered = acmeOrders.find((o) => inChain(o, "certificatePem", chain));
  if (ordered) {
    const sans = Array.isArray(ordered.inputs.subjectAlternativeNames) ? (ordered.inputs.subjectAlternativeNames as string[]) : [];
    return { name: cert.name, hostnames: [...new Set([str(ordered.inputs.commonName), ...sans].filter((h): h is string => !!h))], issuer: "Let's Encrypt" };
  }
  throw new TopologyError(`load balancer certificate ${cert.name}: its custom chain comes from no declared Cloudflare Origin CA certificate or ACME order, so the twin cannot tell which host names it serves`);
}

function backendOf(b: Declared): Backend {
  const i = b.inputs;
  const http = (i.healthCheckHttp ?? i.healthCheckHttps) as Inputs | undefined;
  const forwardPort = num(i.forwardPort);
  if (forwardPort === undefined) throw new TopologyError(`backend ${b.name}: forwardPort is missing`);
  return {
    id: b.id,
    name: str(i.name) ?? b.name,
    forwardProtocol: str(i.forwardProtocol) ?? "tcp",
    forwardPort,
    algorithm: str(i.forwardPortAlgorithm) ?? "roundrobin",
    healthCheck: {
      port: num(i.healthCheckPort) ?? forwardPort,
      delayMs: durationMs(i.healthCheckDelay, `${b.name}.healthCheckDelay`) ?? 60_000,
      timeoutMs: durationMs(i.healthCheckTimeout, `${b.name}.healthCheckTimeout`) ?? 30_000,
      maxRetries: num(i.healthCheckMaxRetries) ?? 2,
      ...(http ? { http: { uri: str(http.uri) ?? "/", method: str(http.method) ?? "GET", code: num(http.code), hostHeader: str(http.hostHeader) } } : {}),
    },
    onMarkedDownAction: str(i.onMarkedDownAction),
    timeoutConnectMs: durationMs(i.timeoutConnect, `${b.name}.timeoutConnect`),
    timeoutServerMs: durationMs(i.timeoutServer, `${b.name}.timeoutServer`),
    stickySessions: str(i.stickySessions),
    proxyProtocol: str(i.proxyProtocol),
  };
}

/** KEY=value lines, as docker's --env-file reads them (no quoting, `#` comments, blank lines skipped). */
export function parseEnvFileLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const eq = t.indexOf("=");
    if (eq <= 0) continue;
    out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

/**
 * The app's environment from a cloud-config: the files it writes, and the `--env-file` arguments of the
 * `docker run` that starts the app, read in order (a later file wins, as with docker). Also the published port.
 * https://docs.docker.com/reference/cli/docker/container/run/#env
 */
export function readCloudInit(cloudInit: string, where: string): { env: Record<string, string>; files: Record<string, string>; appPort: number } {
  let doc: { write_files?: Array<{ path?: string; content?: string }> };
  try {
    doc = parseYaml(cloudInit) as typeof doc;
  } catch (e) {
    throw new TopologyError(`${where}: the cloud-init is not YAML (${(e as Error).message.split("\n")[0]})`);
  }
  const files: Record<string, string> = {};
  for (const f of doc?.write_files ?? []) if (f.path && typeof f.content === "string") files[f.path] = f.content;
  const run = Object.values(files)
    .flatMap((c) => c.split("\n"))
    .find((l) => /\bdocker run\b/.test(l));
  if (!run) throw new TopologyError(`${where}: the cloud-init starts no "docker run", so the twin cannot tell the app's environment`);
  const envFiles = [...run.matchAll(/--env-file\s+(\S+)/g)].map((m) => m[1]);
  const env: Record<string, string> = {};
  for (const path of envFiles) {
    if (!(path in files)) throw new TopologyError(`${where}: docker reads --env-file ${path}, which the cloud-init does not write`);
    Object.assign(env, parseEnvFileLines(files[path]));
  }
  const publish = /--publish\s+(?:[\d.]+:)?(\d+):(\d+)/.exec(run);
  const appPort = publish ? Number(publish[1]) : Number(env.PORT);
  if (!Number.isInteger(appPort) || appPort <= 0) throw new TopologyError(`${where}: no --publish port and no PORT in the app's environment`);
  return { env, files, appPort };
}

function databaseOf(all: Declared[]): DatabaseDecl {
  const instance = all.find((r) => r.type === T.dbInstance);
  const provider = all.find((r) => r.type === T.pgProvider);
  const database = all.find((r) => r.type === T.pgDatabase);
  if (!instance || !provider || !database) throw new TopologyError("the program declares no managed PostgreSQL instance with its postgresql provider and database");
  const roles = all.filter((r) => r.type === T.pgRole);
  const names: AccessNames = { database: String(database.inputs.name), roles: {} as AccessNames["roles"] };
  const passwords = {} as Record<RoleKey, string>;
  // The component names each role resource `<name>-role-<key>` after the access model's steps.
  for (const step of accessSteps(ACCESS_MODEL)) {
    if (step.kind !== "role") continue;
    const r = roles.find((x) => x.name.endsWith(`-${step.resource}`));
    if (!r) throw new TopologyError(`the access model's ${step.role} role is not declared (no postgresql Role named *-${step.resource})`);
    names.roles[step.role] = { name: String(r.inputs.name), connectionLimit: num(r.inputs.connectionLimit) ?? -1 };
    passwords[step.role] = String(r.inputs.password ?? "");
  }
  const settings = Object.fromEntries(Object.entries((instance.inputs.settings as Inputs | undefined) ?? {}).map(([k, v]) => [k, String(v)]));
  return {
    admin: { user: String(provider.inputs.username ?? instance.inputs.userName), password: String(provider.inputs.password ?? instance.inputs.password ?? "") },
    maintenanceDatabase: str(provider.inputs.database) ?? "postgres",
    names,
    passwords,
    settings,
    engine: str(instance.inputs.engine),
  };
}

/** Reads the topology out of the recorded resources. Throws TopologyError naming what is missing. */
export function readTopology(resources: PlanResource[]): Topology {
  const all = declare(resources);
  const of = (type: string) => all.filter((r) => r.type === type);
  const ips = of(T.ip);
  const originCas = of(T.originCa);
  const acmeOrders = of(T.acmeCertificate);
  const certificates = of(T.certificate);
  const loadBalancers: LoadBalancer[] = of(T.lb).map((lb) => {
    const ipIds = [...((lb.inputs.ipIds as string[] | undefined) ?? []), ...(str(lb.inputs.ipId) ? [str(lb.inputs.ipId)!] : [])];
    const declaredIps = ipIds.map((id) => ips.find((ip) => bareId(ip.id) === bareId(id))?.outputs.ipAddress).filter((a): a is string => typeof a === "string");
    if (declaredIps.length === 0 && typeof lb.outputs.ipAddress === "string") declaredIps.push(lb.outputs.ipAddress);
    const backends = of(T.backend).filter((b) => bareId(b.inputs.lbId) === bareId(lb.id)).map(backendOf);
    const frontends = of(T.frontend)
      .filter((f) => bareId(f.inputs.lbId) === bareId(lb.id))
      .map((f): Frontend => {
        const certIds = (f.inputs.certificateIds as string[] | undefined) ?? [];
        const acls = of(T.acl)
          .filter((a) => bareId(a.inputs.frontendId) === bareId(f.id))
          .map((a): Acl => ({
            name: str(a.inputs.name) ?? a.name,
            index: num(a.inputs.index) ?? 0,
            action: (a.inputs.action as Acl["action"]) ?? {},
            match: (a.inputs.match as AclMatch) ?? {},
          }))
          .sort((x, y) => x.index - y.index);
        const inboundPort = num(f.inputs.inboundPort);
        if (inboundPort === undefined) throw new TopologyError(`frontend ${f.name}: inboundPort is missing`);
        return {
          id: f.id,
          name: str(f.inputs.name) ?? f.name,
          inboundPort,
          backendId: String(f.inputs.backendId ?? ""),
          timeoutClientMs: durationMs(f.inputs.timeoutClient, `${f.name}.timeoutClient`),
          certificates: certIds.map((id) => {
            const c = certificates.find((x) => bareId(x.id) === bareId(id));
            if (!c) throw new TopologyError(`frontend ${f.name}: certificate ${id} is not declared`);
            return certificateOf(c, originCas, acmeOrders);
          }),
          acls,
        };
      });
    return { id: lb.id, name: str(lb.inputs.name) ?? lb.name, declaredIps, sslCompatibilityLevel: str(lb.inputs.sslCompatibilityLevel), frontends, backends };
  });
  if (loadBalancers.length === 0) throw new TopologyError("the program declares no Scaleway load balancer");

  const templates = of(T.template);
  const groups: InstanceGroup[] = of(T.group).map((g) => {
    const template = templates.find((t) => bareId(t.id) === bareId(g.inputs.templateId));
    if (!template) throw new TopologyError(`instance group ${g.name}: its template ${String(g.inputs.templateId)} is not declared`);
    const cloudInit = str(template.inputs.cloudInit);
    if (!cloudInit) throw new TopologyError(`instance template ${template.name} has no cloud-init`);
    const capacity = ((g.inputs.capacities as Inputs[] | undefined) ?? [])[0] ?? {};
    const backendIds = ((g.inputs.loadBalancers as Inputs[] | undefined) ?? []).flatMap((l) => (l.backendIds as string[] | undefined) ?? []);
    return { name: str(g.inputs.name) ?? g.name, minReplicas: num(capacity.minReplicas) ?? 1, maxReplicas: num(capacity.maxReplicas) ?? 1, backendIds, ...readCloudInit(cloudInit, `instance template ${template.name}`) };
  });
  if (groups.length === 0) throw new TopologyError("the program declares no autoscaling instance group: there is no fleet to run");

  return { loadBalancers, groups, database: databaseOf(all) };
}
