/**
 * The request phases of the zone, run over one request: custom WAF rules, rate limits, request-header
 * transforms and cache settings, in Cloudflare's phase order (zone.ts, PHASE_ORDER). Pure apart from the
 * rate counters, which live in a {@link RateLimiter} with an injectable clock.
 *
 * Expressions are evaluated by components/edge/expressions.ts (`evaluate`), the evaluator the edge
 * component's tests prove the rules with: one Rules-language subset for the builder, its tests and the twin.
 */
import { evaluate, type SampleRequest } from "../../../components/edge/expressions";
import type { CacheSettings, CompiledRule, EdgeZone, HeaderOperation, RateLimitSpec } from "./zone";

/** A visitor's request as the rules see it. */
export interface EdgeRequest {
  method: string;
  /** URI path after URL normalisation (see normalizePath). */
  path: string;
  host: string;
  /** ISO country (from the twin's country header), "XX" when unknown, as Cloudflare reports it. */
  country: string;
  clientIp: string;
  /** Request headers by lower-case name, repeated values joined with ", ". */
  headers: Record<string, string>;
}

export type Verdict =
  | {
      kind: "respond";
      rule: CompiledRule;
      status: number;
      contentType: string;
      body: string;
      /** `cf-mitigated: challenge` on challenge pages (https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/detect-response). */
      challenge: boolean;
    }
  | {
      kind: "forward";
      /** Merged cache settings of every matching cache rule (a later rule overrides an earlier one), or undefined. */
      cache?: CacheSettings;
      headerOps: HeaderOperation[];
      /** Refs of the non-terminating rules that matched (log, skip, transforms, cache), for logs. */
      matched: string[];
    };

const CHALLENGES = new Set(["managed_challenge", "challenge", "js_challenge"]);

/** Cloudflare's block page, shortened: the twin marks it, it does not copy Cloudflare's HTML. */
function blockPage(ray: string): string {
  return `<!DOCTYPE html><title>Attention Required! | Cloudflare (twin)</title><h1>Sorry, you have been blocked</h1><p>Ray ID: ${ray}</p>\n`;
}

function challengePage(ray: string): string {
  return `<!DOCTYPE html><title>Just a moment... (twin)</title><p>Challenge page: the twin does not serve Cloudflare's challenge; a challenged request always ends here.</p><p>Ray ID: ${ray}</p>\n`;
}

function sample(req: EdgeRequest): SampleRequest {
  return {
    method: req.method,
    path: req.path,
    host: req.host,
    country: req.country,
    cookie: req.headers["cookie"] ?? "",
    headers: req.headers,
  };
}

/**
 * Per-rule request counters. Counters are per value combination of the rule's characteristics and
 * per data centre (https://developers.cloudflare.com/waf/rate-limiting-rules/request-rate/); the twin
 * is one data centre, so `cf.colo.id` is one value. Counting is exact over a sliding window of `period`
 * seconds (Cloudflare's counting is approximate and per data centre). Once the count exceeds
 * `requestsPerPeriod`, the action applies for `mitigationTimeout` seconds whatever the rate, then the
 * counter starts again (https://developers.cloudflare.com/waf/rate-limiting-rules/parameters/); with a
 * timeout of 0 only the requests above the rate are acted on.
 */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();
  private readonly mitigatedUntil = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Counts a matching request; true when the rule's action applies to it. */
  hit(rule: CompiledRule, limit: RateLimitSpec, req: EdgeRequest): boolean {
    const key = `${rule.phase}/${rule.ref}/${limit.characteristics.map((c) => characteristic(c, req)).join("\u0000")}`;
    const now = this.now();
    const until = this.mitigatedUntil.get(key);
    if (until !== undefined) {
      if (now < until) return true;
      this.mitigatedUntil.delete(key);
      this.windows.delete(key);
    }
    const from = now - limit.period * 1000;
    const window = (this.windows.get(key) ?? []).filter((t) => t > from);
    window.push(now);
    this.windows.set(key, window);
    if (window.length <= limit.requestsPerPeriod) return false;
    if (limit.mitigationTimeout > 0) {
      this.mitigatedUntil.set(key, now + limit.mitigationTimeout * 1000);
      this.windows.delete(key);
    } else {
      window.pop(); // throttling: a refused request does not use up the rate
    }
    return true;
  }

  /** Drops counters with nothing left in their window (called periodically by the server). */
  sweep(maxPeriodSeconds: number): void {
    const now = this.now();
    for (const [key, window] of this.windows) {
      if (window.length === 0 || window[window.length - 1] <= now - maxPeriodSeconds * 1000) this.windows.delete(key);
    }
    for (const [key, until] of this.mitigatedUntil) if (until <= now) this.mitigatedUntil.delete(key);
  }

  /** Counters held (for tests and logs). */
  get size(): number {
    return this.windows.size + this.mitigatedUntil.size;
  }
}

function characteristic(name: string, req: EdgeRequest): string {
  if (name === "cf.colo.id") return "twin";
  if (name === "ip.src") return req.clientIp;
  if (name === "http.host") return req.host;
  const header = /^http\.request\.headers\["([a-z0-9-]+)"\]$/.exec(name);
  if (header) return req.headers[header[1]] ?? "";
  // zone.ts refuses every other characteristic when it reads the rules.
  throw new Error(`unsupported rate-limit characteristic ${name}`);
}

/** Runs the zone's rules over `req`. `ray` is the request's CF-Ray id, shown on block pages. */
export function runPhases(zone: EdgeZone, limiter: RateLimiter, req: EdgeRequest, ray: string): Verdict {
  const s = sample(req);
  const skippedPhases = new Set<string>();
  const matched: string[] = [];
  const headerOps: HeaderOperation[] = [];
  let cache: CacheSettings | undefined;
  let skipRestOf: string | undefined;
  for (const rule of zone.rules) {
    if (skippedPhases.has(rule.phase) || skipRestOf === rule.phase) continue;
    if (!evaluate(rule.expression, s)) continue;
    if (rule.ratelimit) {
      const counted = rule.ratelimit.counting ? evaluate(rule.ratelimit.counting, s) : true;
      if (!counted || !limiter.hit(rule, rule.ratelimit, req)) continue;
    }
    switch (rule.action) {
      case "block": {
        // A rate-limit block without a custom response is Cloudflare's 429 (error 1015); a WAF block is 403.
        const status = rule.response?.statusCode ?? (rule.phase === "http_ratelimit" ? 429 : 403);
        return {
          kind: "respond",
          rule,
          status,
          contentType: rule.response?.contentType ?? "text/html; charset=UTF-8",
          body: rule.response?.content ?? blockPage(ray),
          challenge: false,
        };
      }
      case "skip":
        matched.push(rule.ref);
        if (rule.skip?.ruleset) skipRestOf = rule.phase;
        for (const p of rule.skip?.phases ?? []) skippedPhases.add(p);
        break;
      case "log":
        matched.push(rule.ref);
        break;
      case "rewrite":
        matched.push(rule.ref);
        headerOps.push(...(rule.headers ?? []));
        break;
      case "set_cache_settings":
        matched.push(rule.ref);
        // https://developers.cloudflare.com/cache/how-to/cache-rules/order/: later matching rules override earlier settings.
        cache = { ...(cache ?? {}), ...rule.cacheSettings! };
        break;
      default:
        if (CHALLENGES.has(rule.action)) {
          return { kind: "respond", rule, status: 403, contentType: "text/html; charset=UTF-8", body: challengePage(ray), challenge: true };
        }
        throw new Error(`rule ${rule.ref}: action ${rule.action} has no handler`);
    }
  }
  return { kind: "forward", cache, headerOps, matched };
}

/**
 * URL normalisation as Cloudflare's default ("Cloudflare" type, incoming URLs): percent-decode unreserved
 * characters, convert backslashes to slashes, merge successive slashes, resolve `.` and `..`
 * (https://developers.cloudflare.com/rules/normalization/url-normalization/). Rules see the normalised
 * path; the origin gets the URL as sent (normalisation towards the origin is off by default).
 */
export function normalizePath(rawPath: string): string {
  let p = rawPath.replace(/\\/g, "/").replace(/%([0-9a-fA-F]{2})/g, (m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
  });
  p = p.replace(/\/{2,}/g, "/");
  const out: string[] = [];
  const segments = p.split("/");
  segments.forEach((seg, i) => {
    if (seg === ".") {
      if (i === segments.length - 1) out.push("");
      return;
    }
    if (seg === "..") {
      if (out.length > 1) out.pop();
      if (i === segments.length - 1) out.push("");
      return;
    }
    out.push(seg);
  });
  const joined = out.join("/");
  return joined.startsWith("/") ? joined : `/${joined}`;
}
