/**
 * The HTTP side of the generator: one undici connection pool per target origin
 * (https://undici.nodejs.org/#/docs/api/Pool), sized so the client never becomes the bottleneck: an open
 * model needs as many concurrent requests as `rate x latency`, and a stalled server drives that up fast.
 * Requests beyond the pool size wait in undici's queue; their latency still counts from the intended send
 * time, so a too-small pool inflates the percentiles instead of hiding anything.
 */
import { Pool, errors as undiciErrors } from "undici";

export interface HttpAnswer {
  statusCode: number;
  /** The body text when asked for, else null (the body is still read to the end and discarded). */
  body: string | null;
  /** The `location` header, when present. */
  location: string | null;
  /** The cache-status header named by `cacheStatusHeader`, when present. */
  cacheStatus: string | null;
}

export interface HttpTargetOptions {
  /** Maximum open connections to the target. */
  connections: number;
  /** Per-request bound on connect, headers and body, milliseconds. */
  timeoutMs: number;
  /** Sent as `x-renfort-loadtest` so the target's logs can tell campaign traffic apart. */
  runId: string;
  /** PEM CA bundle to verify an HTTPS target with (e.g. the twin's CA); the system CAs otherwise. */
  ca?: string | Buffer;
  /** TLS server name (SNI and certificate check) when it differs from the URL's host. */
  servername?: string;
  /** Host header when it differs from the URL's host (aim at an address, speak for a name). */
  hostHeader?: string;
  /** Local address to send from (e.g. inside the twin's Cloudflare stand-in range). */
  localAddress?: string;
  /** Response header carrying the edge cache status (e.g. cf-cache-status), read into `cacheStatus`. */
  cacheStatusHeader?: string;
}

export class HttpTarget {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly cacheStatusHeader: string;
  private readonly servername: string | undefined;

  constructor(baseUrl: string, opts: HttpTargetOptions) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.cacheStatusHeader = (opts.cacheStatusHeader ?? "cf-cache-status").toLowerCase();
    this.servername = opts.servername;
    // undici's connect options go to tls.connect (https://undici.nodejs.org/#/docs/api/Client?id=parameter-connectoptions):
    // `ca` and `servername` are theirs; the source address is the Client's own `localAddress` option (the
    // connector passes it over any connect option). Verified in scenarios.test.ts against a local HTTPS
    // server with a private CA, which records the SNI and the client address it saw.
    this.pool = new Pool(url.origin, {
      connections: opts.connections,
      pipelining: 1,
      ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
      connect: {
        timeout: opts.timeoutMs,
        ...(opts.ca === undefined ? {} : { ca: opts.ca }),
        ...(opts.servername === undefined ? {} : { servername: opts.servername }),
      },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 30_000,
    });
    this.headers = {
      "user-agent": "renfort-loadtest/1",
      "x-renfort-loadtest": opts.runId,
      // undici sends a `host` header given here instead of the origin's (tested in campaign.test.ts).
      ...(opts.hostHeader === undefined ? {} : { host: opts.hostHeader }),
    };
  }

  async request(
    method: "GET" | "POST",
    path: string,
    json: unknown,
    readBody: boolean,
    signal?: AbortSignal,
    extraHeaders?: Record<string, string>,
  ): Promise<HttpAnswer> {
    const headers = {
      ...this.headers,
      ...(json === undefined ? {} : { "content-type": "application/json" }),
      ...extraHeaders,
    };
    // undici takes the TLS server name from the request's Host header when it has one
    // (lib/core/request.js: `servername || getServerName(this.host)`), before the connect option: the
    // request's own `servername` (read there, though its types omit it) keeps --servername in force.
    const options = {
      method,
      path: this.basePath + path,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: signal ?? null,
      ...(this.servername === undefined ? {} : { servername: this.servername }),
    };
    const res = await this.pool.request(options);
    const header = (name: string): string | null => {
      const v = res.headers[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    };
    const location = header("location");
    const cacheStatus = header(this.cacheStatusHeader);
    if (readBody) return { statusCode: res.statusCode, body: await res.body.text(), location, cacheStatus };
    await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
    return { statusCode: res.statusCode, body: null, location, cacheStatus };
  }

  /** Closes idle connections gracefully, then forces what remains after `graceMs`. */
  async close(graceMs = 1000): Promise<void> {
    const timer = setTimeout(() => void this.pool.destroy().catch(() => undefined), graceMs);
    try {
      await this.pool.close();
    } catch {
      // destroyed by the timer
    } finally {
      clearTimeout(timer);
    }
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/**
 * Name of a failed exchange for the status-code counts: `timeout`, `aborted`, or the network error code
 * (`ECONNREFUSED`, `ECONNRESET`, ...).
 */
export function failureName(err: unknown): string {
  if (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError
  ) {
    return "timeout";
  }
  if (err instanceof undiciErrors.RequestAbortedError) return "aborted";
  if (err !== null && typeof err === "object") {
    const e = err as { name?: unknown; code?: unknown };
    if (e.name === "AbortError") return "aborted";
    if (e.name === "TimeoutError") return "timeout"; // AbortSignal.timeout

    if (typeof e.code === "string" && e.code !== "") return e.code;
  }
  return "error";
}
