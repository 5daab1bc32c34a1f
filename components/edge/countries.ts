import { COUNTRIES } from "../../data/country-codes";

/**
 * Country codes for geo rules. Cloudflare's `ip.src.country` holds the ISO 3166-1 alpha-2 code of the
 * visitor's country (plus the non-ISO `XX` for unknown and `T1` for Tor, which Renfort does not use):
 * https://developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/ip.src.country/
 */

/**
 * The 249 officially assigned ISO 3166-1 alpha-2 codes (data/countries.json, shared with the policy
 * pack). Reserved and user-assigned codes (EU, UK, XK, FX, CP, ...) are not country codes and are
 * rejected.
 */
export const ISO_3166_ALPHA2: readonly string[] = COUNTRIES.iso3166Alpha2;

const ISO_SET: ReadonlySet<string> = new Set(ISO_3166_ALPHA2);

/**
 * France and the French territories that carry their own code (data/countries.json): the service is
 * for them, so a geo ban may never name one. FX (France métropolitaine) and CP (Clipperton) are
 * reserved, not country codes: listed so the message says why they are refused.
 */
export const FRENCH_TERRITORIES: Readonly<Record<string, string>> = COUNTRIES.frenchTerritories;

/** True for an officially assigned ISO 3166-1 alpha-2 code, written in upper case. */
export function isIsoCountryCode(code: string): boolean {
  return ISO_SET.has(code);
}

/** True for France or a French overseas territory. */
export function isFrenchTerritory(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(FRENCH_TERRITORIES, code.toUpperCase());
}

/**
 * Why `code` may not be banned, or undefined when it may. Messages start with "must" so the caller can
 * prefix the argument (`geoBans[0] must ...`), or the wiring its config key.
 */
export function geoBanProblem(code: string): string | undefined {
  if (isFrenchTerritory(code)) {
    const name = FRENCH_TERRITORIES[code.toUpperCase()];
    return `must not be France or a French overseas territory (${code.toUpperCase()} is ${name}): the service is for them; remove it from the list`;
  }
  if (!/^[A-Z]{2}$/.test(code)) {
    return "must be an ISO 3166-1 alpha-2 country code in upper case, for example KP";
  }
  if (!isIsoCountryCode(code)) {
    return "must be an officially assigned ISO 3166-1 alpha-2 code (see https://www.iso.org/obp/ui/#search)";
  }
  return undefined;
}
