/**
 * The local edge that stands in for Cloudflare in the twin: an HTTP and HTTPS reverse proxy (node:http,
 * node:https) built from the resources the program declared (zone.ts), running the zone's rules
 * (engine.ts) and cache (cache.ts), and forwarding over HTTPS to local stand-ins of the origin IPs from
 * local addresses standing for Cloudflare's egress ranges. What it reproduces and what it does not:
 * README.md beside this file.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { isIP, type AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { z } from "zod";
import type { PlanResource } from "../../plan/harness";
import { EdgeCache, isEligible, storeDecision, storedHeaders, type CacheStatus } from "./cache";
import { normalizePath, RateLimiter, runPhases, type EdgeRequest } from "./engine";
import { readZone, type EdgeZone } from "./zone";

export { EdgeZoneError, readZone } from "./zone";

export interface EdgeOptions {
  /** Resources the program declared, as the offline plan records them (tools/plan/harness.ts). The edge
   *  reads the Cloudflare zone settings, rulesets and proxied DNS records from here: no second description. */
  resources: PlanResource[];
  /** Where the edge listens (its own loopback address). Port 0 picks a free port (see RunningEdge). */
  listen: { address: string; httpPort: number; httpsPort: number };
  /** TLS certificate/key (PEM) the edge presents for the zone's hostnames (the twin's CA signs it). */
  tls: { cert: string; key: string };
  /** Upstreams standing for the proxied records' targets: each declared origin IP mapped to a local
   *  load balancer address. The edge forwards HTTPS to them (verifying with `upstreamCa`). */
  upstreams: Array<{ declaredIp: string; address: string; httpsPort: number }>;
  /** CA (PEM) that signs the upstreams' certificates: the twin's stand-in for Cloudflare's Origin CA. */
  upstreamCa: string;
  /** Local source addresses standing for Cloudflare's egress ranges (the edge connects from one of these). */
  sourceAddresses: string[];
  /** Request header that carries the visitor's country in the twin. Default "x-twin-country". */
  countryHeader?: string;
  /** Request header that carries the visitor's IP in the twin when set (else the TCP peer). */
  clientIpHeader?: string;
  /** Values of secret request-header values the transform rules set (the origin-lock header), by lower-case
   *  header name: the recorded plan shows a secret as "[secret]", the twin passes the value it uses. */
  secrets?: Record<string, string>;
  /** Bytes the in-memory cache may hold. Default 64 MiB. */
  cacheMaxBytes?: number;
  /** Largest object the cache stores. Default 8 MiB (Cloudflare: 512 MB below Enterprise). */
  cacheMaxObjectBytes?: number;
  /** Milliseconds to wait for an upstream's response headers. Default 100 s (Cloudflare's proxy read timeout). */
  upstreamTimeoutMs?: number;
  log?: (line: string) => void;
  /** Clock in milliseconds, for the rate counters and cache lifetimes. Default Date.now (tests move it). */
  clock?: () => number;
}

export interface RunningEdge {
  address: string;
  httpPort: number;
  httpsPort: number;
  countryHeader: string;
  cacheStatusHeader: "cf-cache-status";
  /** The zone as read from the resources (hostnames, settings, rules run, phases not reproduced). */
  zone: EdgeZone;
  close(): Promise<void>;
}

const HEADER_NAME = /^[a-z0-9][a-z0-9-]*$/;
const port = z.number().int().min(0).max(65535);
const ip = z.string().refine((v) => isIP(v) !== 0, "must be an IP address");

/** Shape of the options (everything but the functions), so bad input is named field by field. */
export const edgeOptionsSchema = z.object({
  resources: z.array(z.object({ type: z.string(), name: z.string(), inputs: z.record(z.string(), z.unknown()) }).passthrough()).min(1, "must list the program's declared resources"),
  listen: z.object({ address: ip, httpPort: port, httpsPort: port }),
  tls: z.object({ cert: z.string().includes("BEGIN CERTIFICATE", { message: "must be a PEM certificate" }), key: z.string().includes("PRIVATE KEY", { message: "must be a PEM private key" }) }),
  upstreams: z.array(z.object({ declaredIp: ip, address: ip, httpsPort: port.min(1) })).min(1, "must map each declared origin IP to a local address"),
  upstreamCa: z.string().includes("BEGIN CERTIFICATE", { message: "must be a PEM CA certificate" }),
  sourceAddresses: z.array(ip).min(1, "must hold at least one local address standing for Cloudflare's egress range"),
  countryHeader: z.string().regex(HEADER_NAME, "must be a lower-case header name").optional(),
  clientIpHeader: z.string().regex(HEADER_NAME, "must be a lower-case header name").optional(),
  secrets: z.record(z.string(), z.string().min(1)).optional(),
  cacheMaxBytes: z.number().int().positive().optional(),
  cacheMaxObjectBytes: z.number().int().positive().optional(),
  upstreamTimeoutMs: z.number().int().positive().optional(),
});

export class EdgeOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EdgeOptionsError";
  }
}

/** Checks the options' shape; throws EdgeOptionsError naming every bad field. */
export function checkEdgeOptions(options: unknown): void {
  const result = edgeOptionsSchema.safeParse(options);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(options)"}: ${i.message}`);
    throw new EdgeOptionsError(`invalid edge options:\n- ${problems.join("\n- ")}`);
  }
}

/**
 * Writes `options` (without `log` and `clock`) as the JSON file main.ts reads, readable by its owner only:
 * it holds the edge's TLS key and the secrets.
 */
export function writeEdgeOptions(file: string, options: EdgeOptions): void {
  checkEdgeOptions(options);
  const { log: _log, clock: _clock, ...plain } = options;
  writeFileSync(file, JSON.stringify(plain), { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
}

/** Request headers that describe one hop, not the request (RFC 9110 section 7.6.1), plus the twin's own. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"]);

/** Headers Cloudflare sets towards the origin; a visitor's values never pass (https://developers.cloudflare.com/fundamentals/reference/http-headers/). */
const EDGE_SET = new Set(["cf-connecting-ip", "cf-ipcountry", "cf-ray", "cf-visitor", "x-forwarded-proto", "cdn-loop", "true-client-ip"]);

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function unmapped(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/** A CF-Ray-like id: 16 hex digits and the data-centre code (the twin's is "TWN"). */
function newRay(): string {
  return `${randomBytes(8).toString("hex")}-TWN`;
}

/** Cloudflare's 5xx for an origin that could not be reached (https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/). */
function originErrorStatus(err: NodeJS.ErrnoException): number {
  if (err.code === "ECONNREFUSED") return 521;
  if (err.code === "ETIMEDOUT" || err.code === "EHOSTUNREACH" || err.code === "ENETUNREACH") return 522;
  if (err.code === "UPSTREAM_TIMEOUT") return 524;
  if (typeof err.code === "string" && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/.test(err.code)) return 526;
  if (typeof err.code === "string" && /SSL|TLS|EPROTO/.test(err.code)) return 525;
  return 502;
}

/** Starts the edge; rejects with EdgeOptionsError / EdgeZoneError (naming the field or rule) on bad input. */
export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  checkEdgeOptions(options);
  const log = options.log ?? (() => undefined);
  const now = options.clock ?? Date.now;
  const countryHeader = options.countryHeader ?? "x-twin-country";
  const clientIpHeader = options.clientIpHeader;
  const zone = readZone(options.resources, { secrets: options.secrets });

  const upstreamByIp = new Map(options.upstreams.map((u) => [u.declaredIp, u]));
  const missing = zone.originIps.filter((o) => !upstreamByIp.has(o));
  if (missing.length > 0) {
    throw new EdgeOptionsError(`upstreams: no local address for the declared origin IP(s) ${missing.join(", ")}: add { declaredIp, address, httpsPort } for each proxied record's target`);
  }
  const extra = options.upstreams.filter((u) => !zone.originIps.includes(u.declaredIp)).map((u) => u.declaredIp);
  if (extra.length > 0) {
    throw new EdgeOptionsError(`upstreams: ${extra.join(", ")} is not the target of a proxied record (declared: ${zone.originIps.join(", ")})`);
  }
  const origins = zone.originIps.map((o) => upstreamByIp.get(o)!);

  const limiter = new RateLimiter(now);
  const cache = new EdgeCache(options.cacheMaxBytes ?? 64 * 1024 * 1024, options.cacheMaxObjectBytes ?? 8 * 1024 * 1024);
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 100_000;
  // Idle upstream connections are dropped after 4 s, before a load balancer's keep-alive timeout can close one
  // under a request being sent on it (a reset a POST cannot be retried after).
  const agent = new https.Agent({ keepAlive: true, timeout: 4_000, maxSockets: 512, ca: options.upstreamCa, rejectUnauthorized: zone.sslMode === "strict" });
  let nextOrigin = 0;
  let nextSource = 0;
  const maxPeriod = Math.max(60, ...zone.rules.map((r) => r.ratelimit?.period ?? 0));
  const sweeper = setInterval(() => limiter.sweep(maxPeriod), 10_000);
  sweeper.unref();

  const hosts = new Set(zone.hostnames);
  let httpsPort = 0;

  /** Response headers the edge adds to everything it answers over HTTPS. */
  function edgeHeaders(scheme: "http" | "https", ray: string): Record<string, string> {
    const h: Record<string, string> = { "cf-ray": ray, server: "cloudflare" };
    if (scheme === "https" && zone.hsts) {
      h["strict-transport-security"] = zone.hsts.value;
      if (zone.hsts.nosniff) h["x-content-type-options"] = "nosniff";
    }
    return h;
  }

  function simple(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string, contentType = "text/plain; charset=utf-8") {
    res.writeHead(status, { ...headers, "content-type": contentType, "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  function handle(scheme: "http" | "https", req: http.IncomingMessage, res: http.ServerResponse): void {
    const ray = newRay();
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    const headers0 = edgeHeaders(scheme, ray);
    if (!hosts.has(host)) {
      simple(res, 421, headers0, `host ${JSON.stringify(host)} is not a proxied hostname of the zone (${zone.hostnames.join(", ")})\n`);
      return;
    }
    const rawUrl = req.url ?? "/";
    if (!rawUrl.startsWith("/")) {
      simple(res, 400, headers0, "bad request target\n");
      return;
    }
    if (scheme === "http" && zone.alwaysUseHttps) {
      // Always Use HTTPS: 301 to the same URL over HTTPS (https://developers.cloudflare.com/ssl/edge-certificates/additional-options/always-use-https/).
      const portPart = httpsPort === 443 ? "" : `:${httpsPort}`;
      res.writeHead(301, { ...headers0, location: `https://${host}${portPart}${rawUrl}`, "content-length": 0 });
      res.end();
      return;
    }
    const qAt = rawUrl.indexOf("?");
    const rawPath = qAt < 0 ? rawUrl : rawUrl.slice(0, qAt);
    const query = qAt < 0 ? "" : rawUrl.slice(qAt);
    const path = normalizePath(rawPath);

    const peer = unmapped(req.socket.remoteAddress ?? "");
    const claimed = clientIpHeader ? firstValue(req.headers[clientIpHeader])?.trim() : undefined;
    if (claimed !== undefined && isIP(claimed) === 0) {
      simple(res, 400, headers0, `${clientIpHeader} must be an IP address\n`);
      return;
    }
    const clientIp = claimed ?? peer;
    const country = (firstValue(req.headers[countryHeader]) ?? "XX").trim().toUpperCase() || "XX";

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const edgeReq: EdgeRequest = { method: (req.method ?? "GET").toUpperCase(), path, host, country, clientIp, headers };

    const verdict = runPhases(zone, limiter, edgeReq, ray);
    if (verdict.kind === "respond") {
      log(`${ray} ${edgeReq.method} ${host}${path} from ${clientIp} (${country}): ${verdict.rule.phase}/${verdict.rule.ref} ${verdict.rule.action} -> ${verdict.status}`);
      const h = { ...headers0, ...(verdict.challenge ? { "cf-mitigated": "challenge" } : {}) };
      req.resume();
      simple(res, verdict.status, h, verdict.body, verdict.contentType);
      return;
    }

    const eligible = isEligible(edgeReq.method, path, verdict.cache);
    const key = `${host}${path}${query}`;
    let status: CacheStatus = eligible ? "MISS" : "DYNAMIC";
    if (eligible) {
      const hit = cache.get(key);
      if (hit && hit.expiresAt > now()) {
        req.resume();
        const age = Math.max(0, Math.floor((now() - hit.storedAt) / 1000));
        res.writeHead(hit.status, { ...hit.headers, ...headers0, age: String(age), "cf-cache-status": "HIT" });
        res.end(edgeReq.method === "HEAD" ? undefined : hit.body);
        return;
      }
      if (hit) status = "EXPIRED";
    }

    // Towards the origin: the visitor's headers, the transforms, then what Cloudflare always sets.
    const out: http.OutgoingHttpHeaders = {};
    const connectionListed = new Set((headers["connection"] ?? "").split(",").map((s) => s.trim().toLowerCase()));
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k) || connectionListed.has(k) || EDGE_SET.has(k)) continue;
      if (k === countryHeader || k === clientIpHeader) continue;
      out[k] = v;
    }
    for (const op of verdict.headerOps) {
      if (op.operation === "remove") delete out[op.name];
      else if (op.operation === "set") out[op.name] = op.value!;
      else out[op.name] = out[op.name] === undefined ? op.value! : [...([] as string[]).concat(out[op.name] as string | string[]), op.value!];
    }
    // X-Forwarded-For: the visitor's address appended to what the request carried (assumed, see README).
    const xff = firstValue(req.headers["x-forwarded-for"]);
    out["x-forwarded-for"] = xff ? `${xff}, ${clientIp}` : clientIp;
    out["cf-connecting-ip"] = clientIp;
    out["cf-ipcountry"] = country;
    out["cf-ray"] = ray;
    out["cf-visitor"] = JSON.stringify({ scheme });
    out["x-forwarded-proto"] = scheme;
    out["cdn-loop"] = "cloudflare";
    out.host = req.headers.host ?? host;

    const hasBody = (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0") || req.headers["transfer-encoding"] !== undefined;
    // Only a request with nothing left to send can be sent again to the other origin.
    const canRetry = (edgeReq.method === "GET" || edgeReq.method === "HEAD") && !hasBody;
    const first = nextOrigin++ % origins.length;
    const attempt = (tries: number) => {
      const origin = origins[(first + tries) % origins.length];
      const localAddress = options.sourceAddresses[nextSource++ % options.sourceAddresses.length];
      const upstream = https.request({
        host: origin.address,
        port: origin.httpsPort,
        method: edgeReq.method,
        path: rawUrl,
        headers: out,
        agent,
        servername: host,
        localAddress,
      });
      upstream.setNoDelay(true);
      upstream.setTimeout(upstreamTimeoutMs, () => {
        const e: NodeJS.ErrnoException = new Error(`no response from ${origin.address}:${origin.httpsPort} within ${upstreamTimeoutMs} ms`);
        e.code = "UPSTREAM_TIMEOUT";
        upstream.destroy(e);
      });
      upstream.on("error", (err: NodeJS.ErrnoException) => {
        if (res.headersSent) {
          res.destroy(err);
          return;
        }
        const reused = (upstream as unknown as { reusedSocket?: boolean }).reusedSocket === true;
        if (canRetry && (tries + 1 < origins.length || (reused && err.code === "ECONNRESET" && tries < origins.length))) {
          log(`${ray} origin ${origin.declaredIp} (${origin.address}) failed (${err.code ?? err.message}); trying the next origin`);
          attempt(tries + 1);
          return;
        }
        const code = originErrorStatus(err);
        log(`${ray} ${edgeReq.method} ${host}${path}: origin ${origin.declaredIp} (${origin.address}) failed: ${err.code ?? ""} ${err.message} -> ${code}`);
        simple(res, code, headers0, `origin error ${code}: ${err.code ?? err.message}\n`);
      });
      // A visitor who goes away stops the upstream request too; an origin that breaks mid-response breaks the visitor's.
      res.once("close", () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.on("response", (up) => {
        up.on("error", (err) => res.destroy(err));
        const upHeaders = up.headers;
        const respHeaders: http.OutgoingHttpHeaders = {};
        const upConnection = new Set((firstValue(upHeaders.connection) ?? "").split(",").map((s) => s.trim().toLowerCase()));
        for (const [k, v] of Object.entries(upHeaders)) {
          if (v === undefined || HOP_BY_HOP.has(k) || upConnection.has(k)) continue;
          respHeaders[k] = v;
        }
        let finalStatus: CacheStatus = status;
        let storeFor: number | undefined;
        if (eligible && edgeReq.method === "GET") {
          const d = storeDecision({ status: up.statusCode ?? 502, headers: upHeaders }, verdict.cache, now());
          if (d.store) storeFor = d.ttlSeconds;
          else {
            finalStatus = "BYPASS";
            cache.delete(key);
          }
        }
        Object.assign(respHeaders, headers0, { "cf-cache-status": finalStatus });
        if (storeFor === undefined) {
          res.writeHead(up.statusCode ?? 502, respHeaders);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          if (!up.complete) return; // cut short: never cache a partial body (the error above closed the visitor's response)
          const body = Buffer.concat(chunks);
          const t = now();
          cache.set(key, { status: up.statusCode ?? 200, headers: storedHeaders(upHeaders), body, storedAt: t, expiresAt: t + storeFor! * 1000 });
          delete respHeaders["transfer-encoding"];
          respHeaders["content-length"] = String(body.length);
          res.writeHead(up.statusCode ?? 200, respHeaders);
          res.end(body);
        });
      });
      if (tries === 0 && hasBody) {
        req.on("error", (err) => upstream.destroy(err));
        req.pipe(upstream);
      }
      else {
        req.resume();
        upstream.end();
      }
    };
    attempt(0);
  }

  const httpsServer = https.createServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      minVersion: zone.minTlsVersion,
      maxVersion: zone.maxTlsVersion,
      // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level; a zone that declares them gets them, as on Cloudflare.
      ...(zone.minTlsVersion === "TLSv1" || zone.minTlsVersion === "TLSv1.1" ? { ciphers: "DEFAULT:@SECLEVEL=0" } : {}),
    },
    (req, res) => handle("https", req, res),
  );
  const httpServer = http.createServer((req, res) => handle("http", req, res));
  for (const s of [httpsServer, httpServer]) {
    s.on("clientError", (_err, socket) => socket.destroy());
    s.keepAliveTimeout = 60_000;
  }
  httpsServer.on("tlsClientError", (err: Error, socket: TLSSocket) => {
    log(`TLS handshake refused from ${unmapped(socket.remoteAddress ?? "")}: ${err.message}`);
  });

  const listen = (s: http.Server | https.Server, p: number) =>
    new Promise<number>((resolve, reject) => {
      s.once("error", reject);
      s.listen(p, options.listen.address, () => {
        s.off("error", reject);
        resolve((s.address() as AddressInfo).port);
      });
    });
  const closeServer = (s: http.Server | https.Server) =>
    new Promise<void>((resolve) => {
      if (!s.listening) return resolve();
      s.close(() => resolve());
      s.closeAllConnections();
    });
  try {
    httpsPort = await listen(httpsServer, options.listen.httpsPort);
    const httpPort = await listen(httpServer, options.listen.httpPort);
    log(
      `edge for ${zone.hostnames.join(", ")} on ${options.listen.address} http:${httpPort} https:${httpsPort} (TLS ${zone.minTlsVersion}..${zone.maxTlsVersion}); ` +
        `${zone.rules.length} rules run; not reproduced: ${zone.notReproduced.map((n) => `${n.phase} (${n.rules.join(", ")})`).join("; ") || "nothing"}; ` +
        `origins ${origins.map((o) => `${o.declaredIp} -> ${o.address}:${o.httpsPort}`).join(", ")} from ${options.sourceAddresses.join(", ")}`,
    );
    return {
      address: options.listen.address,
      httpPort,
      httpsPort,
      countryHeader,
      cacheStatusHeader: "cf-cache-status",
      zone,
      close: async () => {
        clearInterval(sweeper);
        await Promise.all([closeServer(httpsServer), closeServer(httpServer)]);
        agent.destroy();
      },
    };
  } catch (e) {
    clearInterval(sweeper);
    await Promise.all([closeServer(httpsServer), closeServer(httpServer)]);
    agent.destroy();
    const err = e as NodeJS.ErrnoException;
    throw new EdgeOptionsError(`listen: cannot listen on ${options.listen.address} (${err.code ?? err.message}); choose a free port or another loopback address`);
  }
}
