/**
 * Country codes (data/countries.json), the one copy read by the program and by the policy pack:
 * - components/edge (countries.ts): which codes a configured geo ban may name (`renfort:edge.geoBans`);
 * - policies (`cf-geo-ban`, via lib/cf-expr.ts): which codes a rule's expression may name, and which it
 *   must never ban.
 *
 * `ip.src.country` holds the ISO 3166-1 alpha-2 code of the visitor's country, plus Cloudflare's
 * non-ISO `XX` (unknown) and `T1` (Tor):
 * https://developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/ip.src.country/
 * The French territories include two reserved codes that are not country codes (FX "France
 * métropolitaine", CP Clipperton): a geo ban naming them is refused with the reason.
 */
// A different base name from the JSON on purpose (see cloudflare-ranges.ts): Node would resolve
// `data/countries` to the .json before the .ts.
import raw from "./countries.json";

export const COUNTRIES_FILE = "data/countries.json";

export interface Countries {
  source: string;
  /** Date the lists were transcribed (YYYY-MM-DD). */
  takenAt: string;
  /** The officially assigned ISO 3166-1 alpha-2 codes, sorted. */
  iso3166Alpha2: readonly string[];
  /** France and the French territories with a code of their own, by code: never banned. */
  frenchTerritories: Readonly<Record<string, string>>;
  /** Values of `ip.src.country` that are not ISO codes, by code. */
  cloudflareNonIso: Readonly<Record<string, string>>;
}

/** Checks the file's shape; every message names the file and the field. */
export function parseCountries(value: unknown, file = COUNTRIES_FILE): Countries {
  const v = value as Partial<Record<keyof Countries, unknown>>;
  const fail = (field: string, why: string): never => {
    throw new Error(`${file}: ${field} ${why}`);
  };
  if (typeof v?.source !== "string" || v.source.length === 0) fail("source", "must name where the lists were taken");
  if (typeof v.takenAt !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v.takenAt)) fail("takenAt", "must be a YYYY-MM-DD date");
  const iso = v.iso3166Alpha2;
  if (!Array.isArray(iso) || iso.length === 0) fail("iso3166Alpha2", "must be a non-empty list of codes");
  (iso as unknown[]).forEach((c, i) => {
    if (typeof c !== "string" || !/^[A-Z]{2}$/.test(c)) fail(`iso3166Alpha2[${i}]`, `must be two upper-case letters, got ${JSON.stringify(c)}`);
    if (i > 0 && (iso as string[])[i - 1]! >= (c as string)) fail(`iso3166Alpha2[${i}]`, `must be sorted and unique (${String(c)} after ${(iso as string[])[i - 1]})`);
  });
  const codeMap = (field: "frenchTerritories" | "cloudflareNonIso"): Record<string, string> => {
    const m = v[field];
    if (typeof m !== "object" || m === null || Array.isArray(m) || Object.keys(m).length === 0) return fail(field, "must be a non-empty object of code: name");
    for (const [code, name] of Object.entries(m)) {
      if (!/^[A-Z0-9]{2}$/.test(code)) fail(`${field}.${code}`, "must be a two-character upper-case code");
      if (typeof name !== "string" || name.length === 0) fail(`${field}.${code}`, "must be the name of the place");
    }
    return m as Record<string, string>;
  };
  const french = codeMap("frenchTerritories");
  const nonIso = codeMap("cloudflareNonIso");
  for (const code of Object.keys(nonIso)) if ((iso as string[]).includes(code)) fail(`cloudflareNonIso.${code}`, "is an ISO code");
  return {
    source: v.source as string,
    takenAt: v.takenAt as string,
    iso3166Alpha2: Object.freeze([...(iso as string[])]),
    frenchTerritories: Object.freeze({ ...french }),
    cloudflareNonIso: Object.freeze({ ...nonIso }),
  };
}

/** The checked contents of data/countries.json. */
export const COUNTRIES: Countries = parseCountries(raw);
