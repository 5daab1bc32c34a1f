/**
 * The edge cache: which responses are stored and for how long (pure, table-tested in cache.test.ts),
 * and an in-memory store bounded in bytes (least recently used out first).
 *
 * Cloudflare's rules reproduced (each is linked where it is used):
 * - eligibility comes from the cache rules, or, when no cache rule matched, from the default cached file
 *   extensions (https://developers.cloudflare.com/cache/concepts/default-cache-behavior/);
 * - the origin's Cache-Control decides on eligible requests (strict adherence, always on below Enterprise,
 *   https://developers.cloudflare.com/cache/concepts/cache-control/): `s-maxage` over `max-age` over
 *   `Expires`; `no-store`, `no-cache`, `private` and a zero lifetime are not stored;
 * - a response with `Set-Cookie` is never stored (cf-cache-status BYPASS,
 *   https://developers.cloudflare.com/cache/concepts/cache-behavior/);
 * - without a lifetime from the origin: `respect_origin` stores with Cloudflare's default TTL by status
 *   (https://developers.cloudflare.com/cache/how-to/configure-cache-status-code/), `bypass_by_default` does not;
 * - cf-cache-status per https://developers.cloudflare.com/cache/concepts/cache-responses/.
 */
import type { CacheSettings } from "./zone";

export type CacheStatus = "HIT" | "MISS" | "EXPIRED" | "BYPASS" | "DYNAMIC";

/**
 * Extensions Cloudflare caches when no rule says otherwise (HTML and JSON are not among them). Taken from
 * the Default cache behavior page; the list is Cloudflare's, the twin copies it.
 */
export const DEFAULT_CACHED_EXTENSIONS = new Set(
  (
    "7z csv gif midi png tif zip avi doc gz mkv ppt tiff zst avif docx ico mp3 pptx ttf apk dmg iso mp4 ps webm " +
    "bin ejs jar ogg rar webp bmp eot jpg otf svg woff bz2 eps jpeg pdf svgz woff2 class exe js pict swf xls css " +
    "flac mid pls tar xlsx"
  ).split(" "),
);

/** Default edge TTLs by status when the origin gives no lifetime (seconds). */
export const DEFAULT_TTL_BY_STATUS: Readonly<Record<number, number>> = { 200: 7200, 206: 7200, 301: 7200, 302: 1200, 303: 1200, 404: 180, 410: 180 };

/** Statuses the twin stores at all (206 is left out: the twin does not serve ranges from its cache). */
const STORABLE_STATUSES = new Set([200, 203, 204, 300, 301, 302, 303, 308, 404, 405, 410, 414, 501]);

/** Whether a request may use the cache: a cache rule's `cache` setting, else the default extensions; GET and HEAD only. */
export function isEligible(method: string, path: string, settings: CacheSettings | undefined): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  if (settings !== undefined) return settings.cache;
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext !== undefined && DEFAULT_CACHED_EXTENSIONS.has(ext);
}

/** Parses Cache-Control into lower-case directive -> value ("" when the directive has no value). */
export function parseCacheControl(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!value) return out;
  for (const part of value.split(",")) {
    const m = /^\s*([A-Za-z-]+)\s*(?:=\s*"?([^",]*)"?)?\s*$/.exec(part);
    if (m) out.set(m[1].toLowerCase(), m[2] ?? "");
  }
  return out;
}

export interface OriginResponseMeta {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

export type StoreDecision = { store: true; ttlSeconds: number } | { store: false; why: string };

function seconds(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

function header(meta: OriginResponseMeta, name: string): string | undefined {
  const v = meta.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** Whether an eligible request's origin response is stored, and for how long. */
export function storeDecision(meta: OriginResponseMeta, settings: CacheSettings | undefined, nowMs: number): StoreDecision {
  if (meta.headers["set-cookie"] !== undefined) return { store: false, why: "the origin sent Set-Cookie" };
  if (!STORABLE_STATUSES.has(meta.status)) return { store: false, why: `status ${meta.status} is not stored` };
  const mode = settings?.edgeTtlMode ?? "respect_origin";
  const cc = parseCacheControl(header(meta, "cache-control"));
  for (const d of ["no-store", "private", "no-cache"]) {
    if (cc.has(d)) return { store: false, why: `the origin sent Cache-Control: ${d}` };
  }
  if (mode === "override_origin") {
    const ttl = settings?.edgeTtlDefault ?? 0;
    return ttl > 0 ? { store: true, ttlSeconds: ttl } : { store: false, why: "edge TTL override of 0" };
  }
  let ttl = seconds(cc.get("s-maxage")) ?? seconds(cc.get("max-age"));
  if (ttl === undefined) {
    const expires = header(meta, "expires");
    if (expires !== undefined) {
      const at = Date.parse(expires);
      const date = Date.parse(header(meta, "date") ?? "");
      ttl = Number.isNaN(at) ? 0 : Math.max(0, Math.floor((at - (Number.isNaN(date) ? nowMs : date)) / 1000));
    }
  }
  if (ttl === undefined) {
    if (mode === "bypass_by_default") return { store: false, why: "no Cache-Control lifetime and the edge TTL mode is bypass_by_default" };
    const fallback = DEFAULT_TTL_BY_STATUS[meta.status];
    return fallback ? { store: true, ttlSeconds: fallback } : { store: false, why: `no lifetime and no default TTL for status ${meta.status}` };
  }
  return ttl > 0 ? { store: true, ttlSeconds: ttl } : { store: false, why: "a lifetime of 0 seconds" };
}

export interface CachedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  storedAt: number;
  expiresAt: number;
}

/** Response headers never stored with a cached object (hop-by-hop ones, and what the edge sets itself). */
const NOT_STORED = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer", "cf-cache-status", "cf-ray", "age"]);

export function storedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !NOT_STORED.has(k)) out[k] = v;
  return out;
}

/** An in-memory cache bounded in bytes; the least recently used objects go first. */
export class EdgeCache {
  private readonly entries = new Map<string, CachedResponse>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxObjectBytes: number,
  ) {}

  /** The entry for `key` (fresh or expired), marking it recently used. */
  get(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  /** Stores `entry` unless it is larger than one object may be; returns whether it was stored. */
  set(key: string, entry: CachedResponse): boolean {
    this.delete(key);
    if (entry.body.length > this.maxObjectBytes) return false;
    this.entries.set(key, entry);
    this.bytes += entry.body.length;
    for (const [k] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(k);
    }
    return this.entries.has(key);
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.body.length;
  }

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }
}
