import { COUNTRIES } from "../../data/country-codes";

/**
 * A small lexer for Cloudflare Rules language expressions
 * (https://developers.cloudflare.com/ruleset-engine/rules-language/), enough to check structure,
 * field names and the country sets of geo rules without a network call.
 */

export type Token =
  | { kind: "string"; value: string }
  | { kind: "word"; value: string }
  | { kind: "punct"; value: string }
  | { kind: "number"; value: string };

export function tokenize(expr: string): { tokens: Token[]; error?: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || (c === "r" && (expr[i + 1] === '"' || expr[i + 1] === "#"))) {
      // "..." with \" escapes, or raw strings r"..." / r#"..."#
      if (c === "r") {
        const hashes = expr.slice(i + 1).match(/^#*/)![0];
        const start = i + 1 + hashes.length + 1;
        const end = expr.indexOf(`"${hashes}`, start);
        if (end < 0) return { tokens, error: "a raw string is not closed" };
        tokens.push({ kind: "string", value: expr.slice(start, end) });
        i = end + 1 + hashes.length;
      } else {
        let j = i + 1;
        let v = "";
        while (j < expr.length && expr[j] !== '"') {
          if (expr[j] === "\\") j++;
          v += expr[j] ?? "";
          j++;
        }
        if (j >= expr.length) return { tokens, error: "a string literal is not closed" };
        tokens.push({ kind: "string", value: v });
        i = j + 1;
      }
    } else if (/[A-Za-z_]/.test(c)) {
      const m = expr.slice(i).match(/^[A-Za-z_][A-Za-z0-9_.]*(\[[^\]]*\])*(\.[A-Za-z0-9_]+)*/)!;
      tokens.push({ kind: "word", value: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = expr.slice(i).match(/^[0-9][0-9a-fA-F.:/]*/)!;
      tokens.push({ kind: "number", value: m[0] });
      i += m[0].length;
    } else {
      const two = expr.slice(i, i + 2);
      if (["==", "!=", ">=", "<=", "&&", "||", "^^"].includes(two)) {
        tokens.push({ kind: "punct", value: two });
        i += 2;
      } else if ("(){}[],<>!~*$".includes(c)) {
        tokens.push({ kind: "punct", value: c });
        i++;
      } else {
        return { tokens, error: `unexpected character "${c}"` };
      }
    }
  }
  return { tokens };
}

/** Balanced (), {} and []. */
export function balanceError(tokens: Token[]): string | undefined {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "}": "{", "]": "[" };
  for (const t of tokens) {
    if (t.kind !== "punct") continue;
    if ("({[".includes(t.value)) stack.push(t.value);
    else if (t.value in pairs) {
      if (stack.pop() !== pairs[t.value]) return `unbalanced "${t.value}"`;
    }
  }
  return stack.length ? `unclosed "${stack[stack.length - 1]}"` : undefined;
}

const OPERATORS = new Set([
  "and", "or", "not", "xor", "eq", "ne", "lt", "le", "gt", "ge", "in", "contains", "matches", "wildcard", "strict", "true", "false",
]);

/** Fields of the Rules language (https://developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/). */
const FIELDS = new Set(
  (
    "http.cookie http.host http.referer http.user_agent http.x_forwarded_for http.request.full_uri http.request.method " +
    "http.request.cookies http.request.timestamp.sec http.request.timestamp.msec http.request.uri http.request.uri.path " +
    "http.request.uri.path.extension http.request.uri.query http.request.uri.args http.request.uri.args.names " +
    "http.request.uri.args.values http.request.headers http.request.headers.names http.request.headers.values " +
    "http.request.headers.truncated http.request.accepted_languages http.request.body.raw http.request.body.truncated " +
    "http.request.body.size http.request.body.form http.request.body.form.names http.request.body.form.values " +
    "http.request.body.mime http.request.version http.response.code http.response.headers http.response.headers.names " +
    "http.response.headers.values http.response.content_type.media_type " +
    "ip.src ip.src.lat ip.src.lon ip.src.city ip.src.postal_code ip.src.metro_code ip.src.region ip.src.region_code " +
    "ip.src.subdivision_1_iso_code ip.src.subdivision_2_iso_code ip.src.timezone.name ip.src.asnum ip.src.continent " +
    "ip.src.country ip.src.is_in_european_union ip.geoip.asnum ip.geoip.continent ip.geoip.country " +
    "ip.geoip.is_in_european_union ip.geoip.subdivision_1_iso_code ip.geoip.subdivision_2_iso_code " +
    "cf.client.bot cf.threat_score cf.edge.server_port cf.edge.server_ip cf.colo.id cf.colo.name cf.ray_id cf.zone.name " +
    "cf.zone.plan cf.verified_bot_category cf.worker.upstream_zone cf.hostname.metadata cf.random_seed ssl"
  ).split(" "),
);
/** Families whose members are many or open-ended. */
const FIELD_FAMILIES = [
  "cf.bot_management.", "cf.tls_client_auth.", "cf.waf.", "cf.api_gateway.", "cf.llm.", "cf.timings.", "cf.response.",
  "http.request.jwt.", "http.request.body.multipart.", "cf.ray_id", "icmp.", "tcp.", "udp.",
];

export function isKnownField(word: string): boolean {
  const base = word.replace(/\[[^\]]*\]/g, "").replace(/^raw\./, "");
  return FIELDS.has(base) || FIELD_FAMILIES.some((f) => base.startsWith(f));
}

const FUNCTIONS = new Set([
  "any", "all", "concat", "ends_with", "len", "lookup_json_integer", "lookup_json_string", "lower", "regex_replace",
  "remove_bytes", "remove_query_args", "starts_with", "substring", "to_string", "upper", "url_decode", "uuidv4",
  "wildcard_replace", "cidr", "cidr6", "decode_base64", "encode_base64", "has_key", "has_value", "bit_slice",
  "is_timed_hmac_valid_v0", "sha256", "split", "join",
]);

/** Words that are neither operators, functions nor fields of the language. */
export function unknownWords(tokens: Token[]): string[] {
  const bad: string[] = [];
  tokens.forEach((t, idx) => {
    if (t.kind !== "word") return;
    const w = t.value;
    if (OPERATORS.has(w)) return;
    const next = tokens[idx + 1];
    if (next?.kind === "punct" && next.value === "(") {
      if (!FUNCTIONS.has(w)) bad.push(w);
      return;
    }
    if (!isKnownField(w)) bad.push(w);
  });
  return bad;
}

export interface CountryTest {
  field: string;
  negated: boolean;
  codes: string[];
}

/**
 * Country comparisons: `ip.src.country in {"RU" "KP"}`, `ip.src.country eq "RU"`, `ip.src.country ne "FR"`,
 * `not ip.src.country in {...}` (and the deprecated `ip.geoip.country`).
 */
export function countryTests(tokens: Token[]): CountryTest[] {
  const out: CountryTest[] = [];
  const negatedAt = negationMap(tokens);
  tokens.forEach((t, i) => {
    if (t.kind !== "word" || !/^ip\.(src|geoip)\.country$/.test(t.value)) return;
    let negated = negatedAt[i];
    const op = tokens[i + 1];
    if (!op) return;
    const opv = op.value;
    const codes: string[] = [];
    if ((op.kind === "word" && opv === "in") || (op.kind === "word" && opv === "not" && tokens[i + 2]?.value === "in")) {
      if (opv === "not") negated = !negated;
      let j = i + (opv === "not" ? 3 : 2);
      if (tokens[j]?.value !== "{") return;
      j++;
      while (j < tokens.length && tokens[j].value !== "}") {
        if (tokens[j].kind === "string") codes.push(tokens[j].value);
        j++;
      }
    } else if (["eq", "==", "ne", "!="].includes(opv)) {
      if (opv === "ne" || opv === "!=") negated = !negated;
      const v = tokens[i + 2];
      if (v?.kind === "string") codes.push(v.value);
    } else {
      return;
    }
    out.push({ field: t.value, negated, codes });
  });
  return out;
}

/**
 * Values `ip.src.country` can hold: the ISO 3166-1 alpha-2 codes plus Cloudflare's non-ISO XX (unknown)
 * and T1 (Tor), from data/countries.json (the program reads the same file).
 */
export const COUNTRY_CODES: ReadonlySet<string> = new Set([...COUNTRIES.iso3166Alpha2, ...Object.keys(COUNTRIES.cloudflareNonIso)]);

const COUNTRY_FIELD = /^(raw\.)?ip\.(src|geoip)\.country$/;

/** One mention of the country field in an expression: a positive test the policy can read, or why not. */
export type CountryReference = { field: string; test: CountryTest } | { field: string; unclassifiable: string };

/**
 * Every mention of the country field, each either a positive test (`ip.src.country in {"RU" "KP"}`,
 * `ip.src.country eq "RU"`, `==`) or the reason it cannot be classified: under a negation (`not`, `!`,
 * `ne`, `!=`), inside a function (`lower(...)`, `upper(...)`, `concat(...)`, `any(...)`...), compared
 * with another operator (`contains`, `matches`/`~`, `wildcard`, `strict wildcard`, `lt`..., a named
 * list `in $list`), or with a set holding something other than string literals. A policy that has to
 * prove what a rule matches treats those as failures (fail closed), not as passes.
 */
export function countryReferences(tokens: Token[]): CountryReference[] {
  const out: CountryReference[] = [];
  const negated = negationMap(tokens);
  tokens.forEach((t, i) => {
    if (t.kind !== "word" || !COUNTRY_FIELD.test(t.value)) return;
    const field = t.value;
    const no = (why: string) => out.push({ field, unclassifiable: why });
    const prev = tokens[i - 1];
    const beforePrev = tokens[i - 2];
    if (prev?.kind === "punct" && prev.value === ",") return no(`${field} is an argument of a function`);
    if (prev?.kind === "punct" && prev.value === "(" && beforePrev?.kind === "word" && !OPERATORS.has(beforePrev.value)) {
      return no(`${field} is passed through ${beforePrev.value}()`);
    }
    if (negated[i]) return no(`${field} is tested under a negation (not / !)`);
    const op = tokens[i + 1];
    if (!op) return no(`${field} is not compared with anything`);
    if (op.value === "ne" || op.value === "!=" || (op.kind === "word" && op.value === "not")) return no(`${field} is compared with "${op.value}" (a negation)`);
    if (op.value === "eq" || op.value === "==") {
      const v = tokens[i + 2];
      if (v?.kind !== "string") return no(`${field} is compared with something other than a string literal`);
      return out.push({ field, test: { field, negated: false, codes: [v.value] } });
    }
    if (op.kind === "word" && op.value === "in") {
      if (tokens[i + 2]?.value !== "{") return no(`${field} is compared with a named list or another non-literal set, which cannot be checked offline`);
      const codes: string[] = [];
      let j = i + 3;
      for (; j < tokens.length && !(tokens[j]!.kind === "punct" && tokens[j]!.value === "}"); j++) {
        if (tokens[j]!.kind !== "string") return no(`${field} is compared with a set holding ${tokens[j]!.value}, not only string literals`);
        codes.push(tokens[j]!.value);
      }
      if (j >= tokens.length) return no(`${field} is compared with a set that is not closed`);
      return out.push({ field, test: { field, negated: false, codes } });
    }
    return no(`${field} is compared with "${op.value}", which the policy cannot classify`);
  });
  return out;
}

/**
 * For each token, whether it sits under an odd number of `not` (or `!`) operators. A `not` covers the
 * next operand: a parenthesised group, a function call, or a comparison up to the next and/or/xor.
 */
export function negationMap(tokens: Token[]): boolean[] {
  const negated = new Array<boolean>(tokens.length).fill(false);
  const isNot = (t: Token | undefined) => !!t && ((t.kind === "word" && t.value === "not") || (t.kind === "punct" && t.value === "!"));
  const isJoin = (t: Token) => t.kind === "word" && ["and", "or", "xor"].includes(t.value) || (t.kind === "punct" && ["&&", "||", "^^"].includes(t.value));
  const matching = (open: number): number => {
    let depth = 0;
    for (let j = open; j < tokens.length; j++) {
      if (tokens[j].value === "(" && tokens[j].kind === "punct") depth++;
      else if (tokens[j].value === ")" && tokens[j].kind === "punct" && --depth === 0) return j;
    }
    return tokens.length - 1;
  };
  tokens.forEach((t, i) => {
    if (!isNot(t)) return;
    let start = i + 1;
    while (isNot(tokens[start])) start++;
    let end: number;
    const first = tokens[start];
    if (!first) return;
    if (first.kind === "punct" && first.value === "(") end = matching(start);
    else if (first.kind === "word" && tokens[start + 1]?.value === "(") end = matching(start + 1);
    else {
      end = start;
      let depth = 0;
      while (end + 1 < tokens.length) {
        const n = tokens[end + 1];
        if (n.kind === "punct" && (n.value === "(" || n.value === "{")) depth++;
        if (n.kind === "punct" && (n.value === ")" || n.value === "}")) {
          if (depth === 0) break;
          depth--;
        }
        if (depth === 0 && isJoin(n)) break;
        end++;
      }
    }
    for (let k = start; k <= end; k++) negated[k] = !negated[k];
  });
  return negated;
}
