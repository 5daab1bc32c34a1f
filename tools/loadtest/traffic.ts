/**
 * What the generator sends and how it judges each answer, as pure functions of a sequence number:
 * realistic signups with unique emails, the page rotation, and the expected answer of each kind
 * (the HTTP contract, README: 202 for every signup, anything else is an error; 201 for an application of
 * an active volunteer, and 409 `mission_full` is a correct answer once places run out).
 */
import type { RequestKind } from "./mix";

export interface SignupBody {
  email: string;
  firstName: string;
  lastName: string;
  zip: string;
  phone?: string;
  birthdate?: string;
}

export const FIRST_NAMES = [
  "Camille", "Léa", "Manon", "Chloé", "Inès", "Élodie", "Zoé", "Anaïs", "Maëlle", "Fatoumata",
  "Lucas", "Hugo", "Théo", "Nathan", "Mathéo", "Noé", "Karim", "Jérôme", "François", "Loïc",
];
export const LAST_NAMES = [
  "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
  "Lefèvre", "Garçon", "N'Diaye", "Da Silva", "Nguyen", "Haddad", "Le Goff", "Rousseau", "Bréhier", "Müller",
];
/** Real postcodes across mainland France, Corsica and overseas departments. */
export const ZIPS = [
  "75011", "75019", "69003", "13001", "33000", "31000", "59000", "44000", "67000", "35000",
  "34000", "06000", "38000", "76600", "21000", "20000", "97400", "97200", "29200", "87000",
];

/** A small integer hash (xorshift-multiply) so fields vary with the sequence number without a PRNG state. */
export function mix32(n: number): number {
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function asciiSlug(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * The signup of sequence number `seq` in campaign `runId`. The email is unique per (runId, seq) and uses
 * `emailDomain` (default a reserved domain, RFC 2606, so the confirmation mail of a campaign against a
 * real deployment reaches nobody).
 */
export function makeSignup(runId: string, seq: number, emailDomain: string): SignupBody {
  const h = mix32(seq);
  const firstName = FIRST_NAMES[h % FIRST_NAMES.length];
  const lastName = LAST_NAMES[(h >>> 8) % LAST_NAMES.length];
  const body: SignupBody = {
    email: `${asciiSlug(firstName)}.${asciiSlug(lastName)}+${runId}-${seq}@${emailDomain}`,
    firstName,
    lastName,
    zip: ZIPS[(h >>> 16) % ZIPS.length],
  };
  // Optional fields are optional in real traffic too: about 60% give a phone, 70% a birthdate.
  if ((h >>> 4) % 10 < 6) body.phone = `0${6 + ((h >>> 12) % 2)}${String(h % 100_000_000).padStart(8, "0")}`;
  if ((h >>> 20) % 10 < 7) {
    const year = 1950 + ((h >>> 3) % 57); // 18 to 75 years old in 2026
    const month = 1 + ((h >>> 7) % 12);
    const day = 1 + ((h >>> 11) % 28);
    body.birthdate = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  }
  return body;
}

/** Distinct visitor addresses `visitorAddress` can give: the size of 100.64.0.0/10. */
export const MAX_VISITOR_ADDRESSES = 1 << 22;

/**
 * Address of simulated visitor `i`, in 100.64.0.0/10 (shared address space, RFC 6598: never a real
 * visitor on the public internet). Sent as `CF-Connecting-IP`, it lets a campaign run against an app
 * whose per-visitor rate limits are on, provided the generator's address is in the app's
 * TRUSTED_PROXIES, as Cloudflare's are in production.
 */
export function visitorAddress(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= MAX_VISITOR_ADDRESSES) {
    throw new RangeError(`visitor index must be an integer in [0, ${MAX_VISITOR_ADDRESSES}), got ${i}`);
  }
  return `100.${64 + ((i >>> 16) & 63)}.${(i >>> 8) & 255}.${i & 255}`;
}

/** The page GETs the `pages` share of a signup campaign rotates over. */
export const PAGE_PATHS = ["/", "/missions", "/api/missions"] as const;

/** Run id: short, unique per campaign, safe in an email local part and a header. */
export function newRunId(nowMs: number, random: number): string {
  return `lt${nowMs.toString(36)}${Math.floor(random * 36 ** 4).toString(36).padStart(4, "0")}`;
}

/**
 * Mission ids out of a `GET /api/missions` answer, tolerant of the envelope: a bare array, or an object
 * with `missions`, `items` or `data`. Ids may be numbers or strings.
 */
export function extractMissionIds(json: unknown): string[] {
  let list: unknown = json;
  if (json !== null && typeof json === "object" && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    list = o.missions ?? o.items ?? o.data ?? [];
  }
  if (!Array.isArray(list)) return [];
  const ids: string[] = [];
  for (const item of list) {
    if (item !== null && typeof item === "object") {
      const id = (item as Record<string, unknown>).id;
      if (typeof id === "number" || (typeof id === "string" && id !== "")) ids.push(String(id));
    }
  }
  return ids;
}

/** Whether an HTTP answer is the expected one for the kind of request (apex redirects: see `apexAnswer`). */
export function isExpectedAnswer(kind: RequestKind, statusCode: number, body: string | null): boolean {
  switch (kind) {
    case "signup":
      return statusCode === 202;
    case "pages":
    case "page":
    case "asset":
      return statusCode === 200;
    case "apply":
      return statusCode === 201 || (statusCode === 409 && body !== null && body.includes("mission_full"));
    case "redirect":
      return statusCode === 301;
  }
}

// --- home scenario -------------------------------------------------------------------------------------

/** The pages a visitor of the launch night opens first. */
export const HOME_PAGES = ["/", "/missions"] as const;

/**
 * Asset paths (`/assets/...`) a page references in `href` or `src` attributes, in order, without repeats:
 * the home scenario fetches what a browser would after the page.
 */
export function extractAssetPaths(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/\b(?:href|src)\s*=\s*["'](\/assets\/[^"'?#\s]+)["']/gi)) {
    if (!found.includes(m[1])) found.push(m[1]);
  }
  return found;
}

/**
 * Cloudflare's cf-cache-status values that mean the edge answered from its cache
 * (https://developers.cloudflare.com/cache/concepts/cache-responses/): HIT, and STALE / UPDATING /
 * REVALIDATED, which serve the cached copy too. MISS, EXPIRED, BYPASS, DYNAMIC, NONE and an absent
 * header all went to the origin (or were not cacheable).
 */
const SERVED_FROM_CACHE = new Set(["HIT", "STALE", "UPDATING", "REVALIDATED"]);

export function isCacheHit(cacheStatus: string | null): boolean {
  return cacheStatus !== null && SERVED_FROM_CACHE.has(cacheStatus.trim().toUpperCase());
}

// --- apex scenario -------------------------------------------------------------------------------------

/** Paths and queries the apex receives: old links, campaign tags, deep links. */
export const APEX_PATHS = ["/", "/missions", "/missions/42", "/inscription", "/organisations/nouvelle", "/assets/app.css"] as const;

/**
 * The path and query of apex request `seq`: a realistic path and a query unique to the request, so a
 * redirect that dropped or cached the query is caught.
 */
export function apexRequestPath(runId: string, seq: number): string {
  const path = APEX_PATHS[seq % APEX_PATHS.length];
  const tag = seq % 3 === 0 ? "utm_source=tv&utm_medium=spot&" : "";
  return `${path}?${tag}lt=${runId}-${seq}`;
}

/** The Location an apex redirect must carry: the main host over HTTPS, the same path and query. */
export function expectedApexLocation(mainHost: string, pathAndQuery: string): string {
  return `https://${mainHost}${pathAndQuery}`;
}

/** Whether an apex answer is a 301 to exactly the expected Location. */
export function apexAnswer(statusCode: number, location: string | null, expected: string): { ok: boolean; wrongLocation: boolean } {
  const wrongLocation = location !== expected;
  return { ok: statusCode === 301 && !wrongLocation, wrongLocation };
}
