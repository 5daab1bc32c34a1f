/**
 * Post-deploy check (`npm run release -- --stack <s> --check`): after `pulumi up`, is the release
 * really serving?
 *
 * 1. Every backend of every load balancer has at least the capacity model's minimum of healthy
 *    servers, read from Scaleway's Load Balancer API: `GET /lb/v1/zones/{zone}/lbs/{lb_id}/backend-stats`
 *    answers `{ backend_servers_stats: [{ backend_id, ip, server_state, last_health_check_status, ... }],
 *    total_count }`, paged with `page` / `page_size`, authenticated by `X-Auth-Token`. A server counts
 *    as healthy when `server_state` is `running` and `last_health_check_status` is `passed`. The backends
 *    check `/readyz` (components/origin/health-check.ts), so healthy means ready: the instance reached the
 *    database as the app role with its release's migrations applied, and is not draining.
 *    Verified in scaleway-sdk-go, api/lb/v1/lb_sdk.go (`ZonedAPI.ListBackendStats`, `BackendServerStats`,
 *    `ListBackendStatsResponse`): https://github.com/scaleway/scaleway-sdk-go/blob/master/api/lb/v1/lb_sdk.go
 * 2. `GET https://<main host>/healthz` answers 200, and `GET https://<main host>/readyz` answers 403:
 *    readiness is for the load balancers' health checks only, and the edge (WAF rule
 *    `block_internal_paths`) and the load balancers' ACLs (`https-deny-internal-paths`) both refuse it
 *    with a 403; a 200 there means a layer lost its rule.
 * 3. `GET https://<apex>/<path>?<query>` answers 301 with `Location` exactly
 *    `https://<main host>/<path>?<query>` (a probe path with an encoded space and a query of two
 *    parameters, one percent-encoded, so a lost path, query or encoding shows).
 *
 * Every connection can be aimed elsewhere than DNS says (`connectTo`, like curl's --connect-to) and
 * trust a given CA, so the same check runs against the local twin (127.x addresses, its own CA).
 * Pure of process state: the caller passes the clock-free options and reads the result.
 */
import { readFileSync } from "fs";
import type * as http from "http";
import * as https from "https";

export interface LoadBalancerRef {
  zone: string;
  /** The bare load balancer id (a UUID). */
  id: string;
  /** Backends that must each hold the minimum (bare ids); a listed backend with no server fails. Default: every backend the API reports. */
  backendIds?: string[];
  /** Healthy servers each of its backends needs at least; default {@link CheckOptions.minHealthy}. */
  minHealthy?: number;
}

export interface CheckOptions {
  mainHost: string;
  apexHost: string;
  /** Healthy servers each backend needs at least, unless its load balancer says otherwise (`--min-healthy`). */
  minHealthy: number;
  /** Load balancers whose backends are checked; empty skips the backend check only when `skipBackends`. */
  loadBalancers: LoadBalancerRef[];
  skipBackends?: boolean;
  /** Scaleway API base URL (default https://api.scaleway.com) and secret key (X-Auth-Token). */
  scwApiUrl?: string;
  scwSecretKey?: string;
  /** host name -> `address:port` to connect to instead of DNS / 443 (the local twin). */
  connectTo?: Record<string, string>;
  /** PEM of the CA(s) to trust for the HTTPS checks (default: Node's trust store). */
  ca?: string;
  /** Per request, ms. Default 10000. */
  timeoutMs?: number;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** The probe path and query the apex redirect must keep byte for byte. */
export const REDIRECT_PROBE = "/renfort-post-deploy-check/a%20b?x=1&y=%C3%A9t%C3%A9";

interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTPS GET of `https://<host><path>`, connected where `connectTo` says, SNI and Host = host. */
export function httpsGet(host: string, path: string, o: Pick<CheckOptions, "connectTo" | "ca" | "timeoutMs">, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const target = o.connectTo?.[host];
  let address = host;
  let port = 443;
  if (target) {
    const m = /^(.+):(\d+)$/.exec(target);
    if (!m) throw new Error(`connect-to for ${host} must be <address>:<port>, got "${target}"`);
    address = m[1]!.replace(/^\[(.*)\]$/, "$1");
    port = Number(m[2]);
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: address,
        port,
        path,
        method: "GET",
        servername: host,
        headers: { host, "user-agent": "renfort-post-deploy-check", ...headers },
        ...(o.ca ? { ca: o.ca } : {}),
        timeout: o.timeoutMs ?? 10_000,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          if (body.length < 4096) body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 10_000} ms`)));
    req.on("error", reject);
    req.end();
  });
}

async function checkStatus(o: CheckOptions, path: string, expected: number, why: string): Promise<CheckResult> {
  const name = `GET https://${o.mainHost}${path}`;
  try {
    const r = await httpsGet(o.mainHost, path, o);
    if (r.status === expected) return { name, ok: true, detail: String(expected) };
    return { name, ok: false, detail: `answered ${r.status}, expected ${expected}${why}: ${r.body.slice(0, 200).trim()}` };
  } catch (e) {
    return { name, ok: false, detail: `failed: ${(e as Error).message}` };
  }
}

export function checkHealthz(o: CheckOptions): Promise<CheckResult> {
  return checkStatus(o, "/healthz", 200, "");
}

/** /readyz must not be reachable through the main host: the edge and the ACLs answer 403. */
export function checkReadyzBlocked(o: CheckOptions): Promise<CheckResult> {
  return checkStatus(o, "/readyz", 403, " (the edge and the load balancers' ACLs must refuse it)");
}

export async function checkApexRedirect(o: CheckOptions): Promise<CheckResult> {
  const name = `GET https://${o.apexHost}${REDIRECT_PROBE}`;
  const expected = `https://${o.mainHost}${REDIRECT_PROBE}`;
  try {
    const r = await httpsGet(o.apexHost, REDIRECT_PROBE, o);
    const location = r.headers.location;
    if (r.status !== 301) return { name, ok: false, detail: `answered ${r.status}, expected 301 to ${expected}` };
    if (location !== expected) return { name, ok: false, detail: `301 to ${JSON.stringify(location ?? null)}, expected exactly ${expected}` };
    return { name, ok: true, detail: `301 ${location}` };
  } catch (e) {
    return { name, ok: false, detail: `failed: ${(e as Error).message}` };
  }
}

export interface BackendServerStats {
  backend_id: string;
  ip: string;
  server_state: string;
  last_health_check_status: string;
}

/** Healthy servers per backend, from the backend-stats rows. Pure. */
export function healthyByBackend(rows: readonly BackendServerStats[]): Map<string, { healthy: number; total: number; unhealthy: string[] }> {
  const out = new Map<string, { healthy: number; total: number; unhealthy: string[] }>();
  for (const r of rows) {
    const b = out.get(r.backend_id) ?? { healthy: 0, total: 0, unhealthy: [] };
    b.total += 1;
    if (r.server_state === "running" && r.last_health_check_status === "passed") b.healthy += 1;
    else b.unhealthy.push(`${r.ip} (${r.server_state}, health check ${r.last_health_check_status})`);
    out.set(r.backend_id, b);
  }
  return out;
}

async function getJson(url: string, secretKey: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, { headers: { "X-Auth-Token": secretKey, accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} from ${url.replace(/\?.*$/, "")}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as unknown;
}

/** Every backend-stats row of one load balancer, all pages. */
export async function listBackendStats(lb: LoadBalancerRef, o: CheckOptions): Promise<BackendServerStats[]> {
  const base = (o.scwApiUrl ?? "https://api.scaleway.com").replace(/\/$/, "");
  const rows: BackendServerStats[] = [];
  for (let page = 1; page <= 50; page++) {
    const url = `${base}/lb/v1/zones/${encodeURIComponent(lb.zone)}/lbs/${encodeURIComponent(lb.id)}/backend-stats?page=${page}&page_size=100`;
    const body = (await getJson(url, o.scwSecretKey ?? "", o.timeoutMs ?? 10_000)) as { backend_servers_stats?: BackendServerStats[]; total_count?: number };
    if (!Array.isArray(body.backend_servers_stats)) throw new Error(`unexpected answer from ${url.replace(/\?.*$/, "")}: no backend_servers_stats list`);
    rows.push(...body.backend_servers_stats);
    if (body.backend_servers_stats.length === 0 || rows.length >= (body.total_count ?? rows.length)) break;
  }
  return rows;
}

export async function checkBackends(o: CheckOptions): Promise<CheckResult[]> {
  if (o.skipBackends) return [];
  if (o.loadBalancers.length === 0) {
    return [{ name: "load balancer backends", ok: false, detail: "no load balancer to check: pass --lb <zone>/<id> (one per load balancer) or --outputs with a loadBalancers output" }];
  }
  if (!o.scwSecretKey) {
    return [{ name: "load balancer backends", ok: false, detail: "SCW_SECRET_KEY is not set: the backend check reads the Scaleway Load Balancer API" }];
  }
  const results: CheckResult[] = [];
  for (const lb of o.loadBalancers) {
    const name = `backends of load balancer ${lb.zone}/${lb.id}`;
    try {
      const byBackend = healthyByBackend(await listBackendStats(lb, o));
      // A backend without any server has no row at all: the expected ones are checked by id.
      for (const id of lb.backendIds ?? []) if (!byBackend.has(id)) byBackend.set(id, { healthy: 0, total: 0, unhealthy: [] });
      if (byBackend.size === 0) {
        results.push({ name, ok: false, detail: "the API lists no backend server at all: the fleet is not registered" });
        continue;
      }
      const min = lb.minHealthy ?? o.minHealthy;
      for (const [backend, s] of byBackend) {
        const ok = s.healthy >= min;
        const detail = `${s.healthy} of ${s.total} servers healthy, at least ${min} needed` + (ok || s.unhealthy.length === 0 ? "" : `; not healthy: ${s.unhealthy.join(", ")}`);
        results.push({ name: `${name}, backend ${backend}`, ok, detail });
      }
    } catch (e) {
      results.push({ name, ok: false, detail: `failed: ${(e as Error).message}` });
    }
  }
  return results;
}

/** Runs every check (none stops the others) and returns all results. */
export async function runPostDeployCheck(o: CheckOptions): Promise<CheckResult[]> {
  const [backends, healthz, readyz, redirect] = await Promise.all([checkBackends(o), checkHealthz(o), checkReadyzBlocked(o), checkApexRedirect(o)]);
  return [...backends, healthz, readyz, redirect];
}

/** `<zone>/<id>` -> LoadBalancerRef; Scaleway ids are UUIDs, zones like fr-par-1. */
export function parseLoadBalancerRef(text: string): LoadBalancerRef {
  const m = /^([a-z]{2}-[a-z]{3}-\d)\/([0-9a-f-]{36})$/.exec(text.trim());
  if (!m) throw new Error(`--lb must be <zone>/<load balancer id>, e.g. fr-par-1/11111111-2222-3333-4444-555555555555, got "${text}"`);
  return { zone: m[1]!, id: m[2]! };
}

/** `fr-par-1/<uuid>` (the provider's zonal id) or `<uuid>` -> `<uuid>`. */
function bareId(id: string): string {
  return id.slice(id.lastIndexOf("/") + 1);
}

/** One entry of the stack output `loadBalancers` (stacks/platform.ts). */
interface LoadBalancerOutput {
  zone?: unknown;
  id?: unknown;
  backendIds?: unknown;
  minHealthyPerBackend?: unknown;
}

const positiveInteger = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n > 0;

/**
 * What the check needs from `pulumi stack output --json`: the output `loadBalancers` that
 * stacks/platform.ts exports, a list of `{ zone, id, backendIds, minHealthyPerBackend }` with ids as the
 * provider gives them (`<zone>/<uuid>`); also `"<zone>/<id>"` strings. Each backend's minimum is its
 * own group's (one group per load balancer), never the fleet's total `capacity.minInstances`.
 */
export function fromStackOutputs(text: string, source: string): { loadBalancers: LoadBalancerRef[] } {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source} is not JSON (write it with \`pulumi stack output --json\`): ${(e as Error).message}`, { cause: e });
  }
  const lbs = Array.isArray(doc.loadBalancers) ? (doc.loadBalancers as unknown[]) : [];
  return {
    loadBalancers: lbs.map((l, i) => {
      if (typeof l === "string") return parseLoadBalancerRef(l);
      const o = (l ?? {}) as LoadBalancerOutput;
      const ref = parseLoadBalancerRef(`${String(o.zone)}/${bareId(String(o.id))}`);
      if (o.backendIds !== undefined) {
        if (!Array.isArray(o.backendIds) || !o.backendIds.every((b) => typeof b === "string" && b.length > 0)) {
          throw new Error(`${source}: loadBalancers[${i}].backendIds must be a list of backend ids, got ${JSON.stringify(o.backendIds)}`);
        }
        ref.backendIds = o.backendIds.map((b: string) => bareId(b));
      }
      if (o.minHealthyPerBackend !== undefined) {
        if (!positiveInteger(o.minHealthyPerBackend)) throw new Error(`${source}: loadBalancers[${i}].minHealthyPerBackend must be an integer > 0, got ${JSON.stringify(o.minHealthyPerBackend)}`);
        ref.minHealthy = o.minHealthyPerBackend;
      }
      return ref;
    }),
  };
}

export function readCa(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`--ca-file ${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
}
