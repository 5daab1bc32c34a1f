/**
 * A small, pure builder for Cloudflare Rules language expressions, plus a parser and an evaluator of
 * exactly the subset the builder writes.
 *
 * Rules language reference: https://developers.cloudflare.com/ruleset-engine/rules-language/
 * - fields: https://developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/
 * - operators and grouping: https://developers.cloudflare.com/ruleset-engine/rules-language/operators/
 * - functions (`lower`, `starts_with`, `ends_with`): https://developers.cloudflare.com/ruleset-engine/rules-language/functions/
 * - string literals and escapes: https://developers.cloudflare.com/ruleset-engine/rules-language/values/
 * - limit of 4,096 characters per expression: https://developers.cloudflare.com/ruleset-engine/rules-language/expressions/
 *
 * Why a parser and an evaluator: the safety properties of the rules (a geo ban never matches France,
 * a cache rule never makes a POST cache-eligible) are proven by evaluating the exact text sent to
 * Cloudflare against sample requests, not an in-memory twin of it.
 */
import { isIsoCountryCode } from "./countries";

/** Cloudflare's documented maximum length of a rule expression. */
export const MAX_EXPRESSION_LENGTH = 4096;

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpressionError";
  }
}

/** HTTP methods a rule may compare `http.request.method` with (upper case, as Cloudflare exposes them). */
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** The fields this builder knows. Anything else is refused, so a typo cannot silently never match. */
export const FIELDS = {
  /** URI path, normalised by Cloudflare (URL normalisation is on by default). */
  "http.request.uri.path": "path",
  /** Request method, upper case. */
  "http.request.method": "method",
  /** The whole `Cookie` request header; the empty string when the request carries none. */
  "http.cookie": "cookie",
  /** Host header. */
  "http.host": "host",
  /** ISO 3166-1 alpha-2 country of the visitor's IP. Replaces the deprecated `ip.geoip.country`. */
  "ip.src.country": "country",
} as const;
export type Field = keyof typeof FIELDS;

/** Fields Cloudflare deprecated, with what to use instead. */
const DEPRECATED: readonly { test: (name: string) => boolean; why: string }[] = [
  {
    test: (n) => n.startsWith("ip.geoip."),
    why: "is deprecated: use the ip.src.* fields (for example ip.src.country) https://developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/ip.src.country/",
  },
  {
    test: (n) => n === "cf.threat_score",
    why: "is deprecated and always 0: use a managed challenge or the WAF attack score (cf.waf.score) https://developers.cloudflare.com/waf/reference/migration-guides/",
  },
];

/** Checks a field name coming from anywhere (typed code, parsed text) and returns it typed. */
export function checkField(name: string): Field {
  const deprecated = DEPRECATED.find((d) => d.test(name));
  if (deprecated) throw new ExpressionError(`field ${name} ${deprecated.why}`);
  if (!Object.prototype.hasOwnProperty.call(FIELDS, name)) {
    throw new ExpressionError(`unknown field ${name}: known fields are ${Object.keys(FIELDS).join(", ")}`);
  }
  return name as Field;
}

/** A field, optionally passed through `lower()`. */
export interface Operand {
  field: Field;
  lower: boolean;
}

export type Expr =
  | { op: "true" }
  | { op: "eq" | "ne" | "contains" | "starts_with" | "ends_with"; left: Operand; value: string }
  | { op: "in"; left: Operand; values: string[] }
  /** The request carries a non-empty header of that (lower-case) name: `any(http.request.headers["x"][*] ne "")`. */
  | { op: "has_header"; header: string }
  | { op: "and" | "or"; items: Expr[] }
  | { op: "not"; item: Expr };

// ---------------------------------------------------------------------------------------------------
// Validation of literal values
// ---------------------------------------------------------------------------------------------------

const HOST_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Why `value` cannot be compared with `left` by `op`, or undefined. */
function valueProblem(left: Operand, op: string, value: string): string | undefined {
  // Printable ASCII only: no control characters, no look-alike Unicode in security rules.
  if (!/^[\x20-\x7e]*$/.test(value)) return `value ${JSON.stringify(value)} for ${left.field} must be printable ASCII`;
  if (left.lower && value !== value.toLowerCase()) {
    return `value ${JSON.stringify(value)} is compared with lower(${left.field}) and has upper-case letters: it could never match`;
  }
  switch (FIELDS[left.field]) {
    case "country":
      return isIsoCountryCode(value) ? undefined : `value ${JSON.stringify(value)} for ip.src.country must be an ISO 3166-1 alpha-2 code`;
    case "method":
      return (HTTP_METHODS as readonly string[]).includes(value)
        ? undefined
        : `value ${JSON.stringify(value)} for http.request.method must be one of ${HTTP_METHODS.join(", ")}`;
    case "host":
      return HOST_RE.test(value) ? undefined : `value ${JSON.stringify(value)} for http.host must be a lower-case host name`;
    case "path":
      if ((op === "eq" || op === "ne" || op === "in" || op === "starts_with") && !value.startsWith("/")) {
        return `value ${JSON.stringify(value)} for http.request.uri.path must start with /`;
      }
      if (/\s/.test(value)) return `value ${JSON.stringify(value)} for http.request.uri.path must not contain spaces`;
      return undefined;
    case "cookie":
      return undefined;
  }
}

function checkValue(left: Operand, op: string, value: string): void {
  const problem = valueProblem(left, op, value);
  if (problem) throw new ExpressionError(problem);
}

// ---------------------------------------------------------------------------------------------------
// Builder
// ---------------------------------------------------------------------------------------------------

/** A field operand; refuses unknown and deprecated fields even when called from untyped code. */
export function field(name: Field): Operand {
  return { field: checkField(name), lower: false };
}

/** `lower(<field>)`: case-insensitive comparisons (values must then be lower case). */
export function lower(name: Field): Operand {
  return { field: checkField(name), lower: true };
}

function asOperand(x: Field | Operand): Operand {
  return typeof x === "string" ? field(x) : x;
}

function compare(op: "eq" | "ne" | "contains" | "starts_with" | "ends_with") {
  return (left: Field | Operand, value: string): Expr => {
    const l = asOperand(left);
    checkValue(l, op, value);
    return { op, left: l, value };
  };
}

export const eq = compare("eq");
export const ne = compare("ne");
export const contains = compare("contains");
export const startsWith = compare("starts_with");
export const endsWith = compare("ends_with");

/** `<field> in {"a" "b"}`; duplicates are removed, order kept. */
export function isIn(left: Field | Operand, values: readonly string[]): Expr {
  const l = asOperand(left);
  if (values.length === 0) throw new ExpressionError(`an "in" list for ${l.field} must not be empty`);
  const unique = [...new Set(values)];
  for (const v of unique) checkValue(l, "in", v);
  return { op: "in", left: l, values: unique };
}

const HEADER_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

function checkHeaderName(name: string): void {
  // Keys of http.request.headers are lower case: https://developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/http.request.headers/
  if (!HEADER_NAME_RE.test(name)) throw new ExpressionError(`header name ${JSON.stringify(name)} must be lower-case letters, digits and dashes`);
}

/** The request carries a non-empty `name` header. */
export function hasHeader(name: string): Expr {
  checkHeaderName(name);
  return { op: "has_header", header: name };
}

/** Builds an and/or, flattening nested groups of the same operator (`a and (b and c)` is `a and b and c`). */
function group(op: "and" | "or", items: Expr[]): Expr {
  if (items.length === 0) throw new ExpressionError(`"${op}" needs at least one operand`);
  const flat = items.flatMap((i) => (i.op === op ? i.items : [i]));
  return flat.length === 1 ? flat[0] : { op, items: flat };
}

export function and(...items: Expr[]): Expr {
  return group("and", items);
}

export function or(...items: Expr[]): Expr {
  return group("or", items);
}

export function not(item: Expr): Expr {
  return { op: "not", item };
}

/** Matches every request (the expression Cloudflare expects when executing a managed ruleset). */
export const always: Expr = { op: "true" };

// ---------------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------------

/** A Rules language string literal: double quotes, with `\` and `"` escaped. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function renderOperand(o: Operand): string {
  return o.lower ? `lower(${o.field})` : o.field;
}

/** and/or need parentheses inside another group or under `not` (`not` binds tighter than and/or). */
function isGroup(e: Expr): boolean {
  return e.op === "and" || e.op === "or";
}

function renderNode(e: Expr): string {
  switch (e.op) {
    case "true":
      return "true";
    case "eq":
    case "ne":
    case "contains":
      checkValue(e.left, e.op, e.value);
      return `${renderOperand(e.left)} ${e.op} ${quote(e.value)}`;
    case "starts_with":
    case "ends_with":
      checkValue(e.left, e.op, e.value);
      return `${e.op}(${renderOperand(e.left)}, ${quote(e.value)})`;
    case "in":
      e.values.forEach((v) => checkValue(e.left, "in", v));
      return `${renderOperand(e.left)} in {${e.values.map(quote).join(" ")}}`;
    case "has_header":
      checkHeaderName(e.header);
      return `any(http.request.headers[${quote(e.header)}][*] ne "")`;
    case "and":
    case "or":
      return e.items.map((i) => (isGroup(i) ? `(${renderNode(i)})` : renderNode(i))).join(` ${e.op} `);
    case "not":
      return isGroup(e.item) ? `not (${renderNode(e.item)})` : `not ${renderNode(e.item)}`;
  }
}

/** The expression text for Cloudflare; throws when a value is invalid or the text exceeds 4,096 characters. */
export function render(e: Expr): string {
  const text = renderNode(e);
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`expression is ${text.length} characters long; Cloudflare accepts at most ${MAX_EXPRESSION_LENGTH}`);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------
// Parser of the generated subset
// ---------------------------------------------------------------------------------------------------

type Token = { kind: "str"; value: string } | { kind: "word"; value: string } | { kind: "punct"; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if ("(){},[]*".includes(c)) {
      tokens.push({ kind: "punct", value: c });
      i++;
    } else if (c === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionError("unterminated string literal");
        const d = text[i];
        if (d === "\\") {
          const next = text[i + 1];
          if (next !== "\\" && next !== '"') throw new ExpressionError(`unsupported escape \\${next ?? ""} in a string literal`);
          value += next;
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: "str", value });
    } else {
      const m = /^[a-z_][a-z0-9_.]*/.exec(text.slice(i));
      if (!m) throw new ExpressionError(`unexpected character ${JSON.stringify(c)} at ${i}`);
      tokens.push({ kind: "word", value: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

/**
 * Parses an expression of the subset {@link render} writes: `and`, `or`, `not`, parentheses, `true`,
 * `eq`/`ne`/`contains`/`in {...}` comparisons and `starts_with`/`ends_with` calls on known fields,
 * optionally through `lower()`, and the header-presence test `any(http.request.headers["x"][*] ne "")`. Refuses anything else (unknown or deprecated fields included) and
 * texts over 4,096 characters.
 */
export function parse(text: string): Expr {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`expression is ${text.length} characters long; Cloudflare accepts at most ${MAX_EXPRESSION_LENGTH}`);
  }
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (w: string) => peek()?.kind === "word" && peek()?.value === w;
  const isPunct = (p: string) => peek()?.kind === "punct" && peek()?.value === p;
  const expectPunct = (p: string) => {
    if (!isPunct(p)) throw new ExpressionError(`expected "${p}" at token ${pos}`);
    pos++;
  };
  const expectString = (): string => {
    const t = peek();
    if (t?.kind !== "str") throw new ExpressionError(`expected a string literal at token ${pos}`);
    pos++;
    return t.value;
  };
  const operand = (): Operand => {
    const t = peek();
    if (t?.kind !== "word") throw new ExpressionError(`expected a field at token ${pos}`);
    pos++;
    if (t.value === "lower") {
      expectPunct("(");
      const inner = peek();
      if (inner?.kind !== "word") throw new ExpressionError(`expected a field inside lower() at token ${pos}`);
      pos++;
      expectPunct(")");
      return { field: checkField(inner.value), lower: true };
    }
    return { field: checkField(t.value), lower: false };
  };

  const primary = (): Expr => {
    if (isPunct("(")) {
      pos++;
      const e = orExpr();
      expectPunct(")");
      return e;
    }
    if (isWord("true")) {
      pos++;
      return always;
    }
    if (isWord("any")) {
      // Only the header-presence form: any(http.request.headers["<name>"][*] ne "")
      pos++;
      expectPunct("(");
      const t = peek();
      if (t?.kind !== "word" || t.value !== "http.request.headers") throw new ExpressionError(`any() is only supported over http.request.headers, at token ${pos}`);
      pos++;
      expectPunct("[");
      const header = expectString();
      expectPunct("]");
      expectPunct("[");
      expectPunct("*");
      expectPunct("]");
      if (!isWord("ne")) throw new ExpressionError(`expected ne "" inside any(), at token ${pos}`);
      pos++;
      if (expectString() !== "") throw new ExpressionError('only ne "" is supported inside any()');
      expectPunct(")");
      checkHeaderName(header);
      return { op: "has_header", header };
    }
    if (isWord("starts_with") || isWord("ends_with")) {
      const op = peek()!.value as "starts_with" | "ends_with";
      pos++;
      expectPunct("(");
      const left = operand();
      expectPunct(",");
      const value = expectString();
      expectPunct(")");
      checkValue(left, op, value);
      return { op, left, value };
    }
    const left = operand();
    const t = peek();
    if (t?.kind !== "word") throw new ExpressionError(`expected an operator after ${left.field} at token ${pos}`);
    pos++;
    if (t.value === "eq" || t.value === "ne" || t.value === "contains") {
      const value = expectString();
      checkValue(left, t.value, value);
      return { op: t.value, left, value };
    }
    if (t.value === "in") {
      expectPunct("{");
      const values: string[] = [];
      while (!isPunct("}")) values.push(expectString());
      pos++;
      if (values.length === 0) throw new ExpressionError(`an "in" list for ${left.field} must not be empty`);
      values.forEach((v) => checkValue(left, "in", v));
      return { op: "in", left, values };
    }
    throw new ExpressionError(`unsupported operator ${t.value} after ${left.field}`);
  };
  const unary = (): Expr => {
    if (isWord("not")) {
      pos++;
      return { op: "not", item: unary() };
    }
    return primary();
  };
  // Precedence as in the Rules language: not > and > or.
  const andExpr = (): Expr => {
    const items = [unary()];
    while (isWord("and")) {
      pos++;
      items.push(unary());
    }
    return items.length === 1 ? items[0] : { op: "and", items };
  };
  const orExpr = (): Expr => {
    const items = [andExpr()];
    while (isWord("or")) {
      pos++;
      items.push(andExpr());
    }
    return items.length === 1 ? items[0] : { op: "or", items };
  };

  const result = orExpr();
  if (pos !== tokens.length) throw new ExpressionError(`unexpected trailing input at token ${pos}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Evaluator
// ---------------------------------------------------------------------------------------------------

/** The parts of a request the supported fields read. */
export interface SampleRequest {
  method: string;
  path: string;
  /** Cookie header; "" when the request has none. */
  cookie?: string;
  host?: string;
  country?: string;
  /** Request headers by lower-case name. */
  headers?: Record<string, string>;
}

function read(o: Operand, req: SampleRequest): string {
  const raw = (() => {
    switch (FIELDS[o.field]) {
      case "path":
        return req.path;
      case "method":
        return req.method;
      case "cookie":
        return req.cookie ?? "";
      case "host":
        return req.host ?? "";
      case "country":
        return req.country ?? "";
    }
  })();
  return o.lower ? raw.toLowerCase() : raw;
}

/** Whether `e` matches `req`, with the semantics of the Rules language for this subset. */
export function evaluate(e: Expr, req: SampleRequest): boolean {
  switch (e.op) {
    case "true":
      return true;
    case "eq":
      return read(e.left, req) === e.value;
    case "ne":
      return read(e.left, req) !== e.value;
    case "contains":
      return read(e.left, req).includes(e.value);
    case "starts_with":
      return read(e.left, req).startsWith(e.value);
    case "ends_with":
      return read(e.left, req).endsWith(e.value);
    case "in":
      return e.values.includes(read(e.left, req));
    case "has_header":
      return (req.headers?.[e.header] ?? "") !== "";
    case "and":
      return e.items.every((i) => evaluate(i, req));
    case "or":
      return e.items.some((i) => evaluate(i, req));
    case "not":
      return !evaluate(e.item, req);
  }
}

/** Parses `text` and evaluates it against `req`. */
export function matches(text: string, req: SampleRequest): boolean {
  return evaluate(parse(text), req);
}
