/**
 * Country codes for geo rules. Cloudflare's `ip.src.country` holds the ISO 3166-1 alpha-2 code of the
 * visitor's country (plus the non-ISO `XX` for unknown and `T1` for Tor, which Renfort does not use):
 * https://developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/ip.src.country/
 */

/**
 * The 249 officially assigned ISO 3166-1 alpha-2 codes (ISO 3166 Maintenance Agency, Online Browsing
 * Platform https://www.iso.org/obp/ui/#search, "officially assigned"). Reserved and user-assigned codes
 * (EU, UK, XK, FX, CP, ...) are not country codes and are rejected.
 */
export const ISO_3166_ALPHA2: readonly string[] = [
  "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
  "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ",
  "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ",
  "DE", "DJ", "DK", "DM", "DO", "DZ",
  "EC", "EE", "EG", "EH", "ER", "ES", "ET",
  "FI", "FJ", "FK", "FM", "FO", "FR",
  "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY",
  "HK", "HM", "HN", "HR", "HT", "HU",
  "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT",
  "JE", "JM", "JO", "JP",
  "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ",
  "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY",
  "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ",
  "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
  "OM",
  "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY",
  "QA",
  "RE", "RO", "RS", "RU", "RW",
  "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ",
  "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ",
  "UA", "UG", "UM", "US", "UY", "UZ",
  "VA", "VC", "VE", "VG", "VI", "VN", "VU",
  "WF", "WS",
  "YE", "YT",
  "ZA", "ZM", "ZW",
];

const ISO_SET: ReadonlySet<string> = new Set(ISO_3166_ALPHA2);

/**
 * France and the French territories that carry their own ISO code: the service is for them, so a geo
 * ban may never name one. Source: INSEE, "Collectivités d'outre-mer" and ISO 3166-2:FR.
 * - metropolitan France: FR (and FX, the exceptionally reserved "Metropolitan France");
 * - départements et régions d'outre-mer: GP Guadeloupe, MQ Martinique, GF Guyane, RE La Réunion, YT Mayotte;
 * - collectivités d'outre-mer: PM Saint-Pierre-et-Miquelon, BL Saint-Barthélemy, MF Saint-Martin,
 *   WF Wallis-et-Futuna, PF Polynésie française;
 * - NC Nouvelle-Calédonie (sui generis), TF Terres australes et antarctiques françaises;
 * - CP, reserved for Clipperton (not a country code, listed so the message says why it is refused).
 */
export const FRENCH_TERRITORIES: Readonly<Record<string, string>> = {
  FR: "France",
  FX: "France métropolitaine",
  GP: "Guadeloupe",
  MQ: "Martinique",
  GF: "Guyane",
  RE: "La Réunion",
  YT: "Mayotte",
  PM: "Saint-Pierre-et-Miquelon",
  BL: "Saint-Barthélemy",
  MF: "Saint-Martin",
  WF: "Wallis-et-Futuna",
  PF: "Polynésie française",
  NC: "Nouvelle-Calédonie",
  TF: "Terres australes et antarctiques françaises",
  CP: "Clipperton",
};

/** True for an officially assigned ISO 3166-1 alpha-2 code, written in upper case. */
export function isIsoCountryCode(code: string): boolean {
  return ISO_SET.has(code);
}

/** True for France or a French overseas territory. */
export function isFrenchTerritory(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(FRENCH_TERRITORIES, code.toUpperCase());
}

/**
 * Why `code` may not be banned, or undefined when it may. Messages start with "must" so the config
 * layer can prefix the key (`renfort:edge.geoBans[0] must ...`).
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
