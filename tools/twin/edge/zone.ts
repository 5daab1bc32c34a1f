/**
 * What the edge stand-in needs to know about the Cloudflare zone, read from the resources the program
 * declared (as the offline plan records them, tools/plan/harness.ts): the proxied hostnames and their
 * origin IPs (`DnsRecord`), the TLS, HTTPS and HSTS settings (`ZoneSetting`), and the rules of each
 * phase (`Ruleset`), their expressions parsed once here by the same parser the edge component's own
 * tests use (components/edge/expressions.ts). Pure: no I/O, table-tested in zone.test.ts.
 *
 * Anything the twin cannot reproduce faithfully is refused here with the rule and the reason, never
 * silently ignored, except the phases it names as not reproduced (managed WAF rulesets).
 */
import { parse, type Expr } from "../../../components/edge/expressions";
import type { PlanResource } from "../../plan/harness";
import { isSecret, isUnknown, SECRET_PLACEHOLDER } from "../../plan/values";

export class EdgeZoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EdgeZoneError";
  }
}

const TYPE = {
  record: "cloudflare:index/dnsRecord:DnsRecord",
  setting: "cloudflare:index/zoneSetting:ZoneSetting",
  ruleset: "cloudflare:index/ruleset:Ruleset",
} as const;

/**
 * Request phases in the order Cloudflare runs them
 * (https://developers.cloudflare.com/ruleset-engine/reference/phases-list/). Verified from the list up to
 * `http_request_firewall_managed`; the order of the later request phases is as that page lists them.
 */
export const PHASE_ORDER = [
  "http_request_sanitize",
  "http_request_dynamic_redirect",
  "http_request_transform",
  "http_config_settings",
  "http_request_origin",
  "http_request_firewall_custom",
  "http_ratelimit",
  "http_request_firewall_managed",
  "http_request_sbfm",
  "http_request_redirect",
  "http_request_late_transform",
  "http_request_cache_settings",
] as const;
export type Phase = (typeof PHASE_ORDER)[number];

/** Phases whose rules the twin evaluates. */
export const REPRODUCED_PHASES: readonly Phase[] = [
  "http_request_transform",
  "http_request_firewall_custom",
  "http_ratelimit",
  "http_request_late_transform",
  "http_request_cache_settings",
];

/** Phases the twin accepts but does not run, with why (the README repeats this). */
export const NOT_REPRODUCED: Partial<Record<Phase, string>> = {
  http_request_firewall_managed:
    "Cloudflare's managed rulesets (Cloudflare Managed, OWASP Core) are Cloudflare's signatures and scores, not in the program: not reproduced",
  http_request_sbfm: "Super Bot Fight Mode is Cloudflare's bot scoring: not reproduced",
};

/** Actions of the rules the twin runs, by phase (https://developers.cloudflare.com/ruleset-engine/rules-language/actions/). */
const ACTIONS_BY_PHASE: Partial<Record<Phase, readonly string[]>> = {
  http_request_firewall_custom: ["block", "managed_challenge", "challenge", "js_challenge", "skip", "log"],
  http_ratelimit: ["block", "managed_challenge", "challenge", "js_challenge", "log"],
  http_request_transform: ["rewrite"],
  http_request_late_transform: ["rewrite"],
  http_request_cache_settings: ["set_cache_settings"],
};

export type TlsVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

const TLS_BY_SETTING: Record<string, TlsVersion> = { "1.0": "TLSv1", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3" };

export interface HeaderOperation {
  name: string;
  operation: "set" | "add" | "remove";
  /** The value to send (secrets resolved); undefined for remove. */
  value?: string;
  /** True when the value came from `options.secrets` or was marked secret: never logged. */
  secret: boolean;
}

export interface CacheSettings {
  cache: boolean;
  /** `respect_origin`, `bypass_by_default` or `override_origin`. */
  edgeTtlMode?: "respect_origin" | "bypass_by_default" | "override_origin";
  /** Edge TTL in seconds for `override_origin`. */
  edgeTtlDefault?: number;
}

export interface RateLimitSpec {
  characteristics: string[];
  period: number;
  requestsPerPeriod: number;
  mitigationTimeout: number;
  /** A separate counting expression, when declared. */
  counting?: Expr;
}

export interface CompiledRule {
  phase: Phase;
  ref: string;
  description: string;
  /** The expression text as declared (for logs and errors). */
  text: string;
  expression: Expr;
  action: string;
  /** block: a custom response. */
  response?: { statusCode: number; contentType: string; content: string };
  /** skip: the rest of the current ruleset, and/or later phases. */
  skip?: { ruleset: boolean; phases: string[] };
  cacheSettings?: CacheSettings;
  headers?: HeaderOperation[];
  ratelimit?: RateLimitSpec;
}

export interface Hsts {
  /** The Strict-Transport-Security value, e.g. `max-age=86400; includeSubDomains`. */
  value: string;
  nosniff: boolean;
}

export interface EdgeZone {
  zoneId: string;
  /** Names of the proxied records: the hostnames the edge serves. */
  hostnames: string[];
  /** The proxied A/AAAA records' targets, in declaration order (primary first). */
  originIps: string[];
  minTlsVersion: TlsVersion;
  maxTlsVersion: TlsVersion;
  /** Undefined when HSTS is not enabled. */
  hsts?: Hsts;
  alwaysUseHttps: boolean;
  /** `strict` verifies the origin's certificate, `full` does not. */
  sslMode: "strict" | "full";
  /** Rules the twin runs, in phase order, then rule order. */
  rules: CompiledRule[];
  /** Phases declared but not reproduced, with why. */
  notReproduced: { phase: string; why: string; rules: string[] }[];
}

export interface ReadZoneOptions {
  /** Values of secret request-header values by lower-case header name (the origin-lock header). */
  secrets?: Record<string, string>;
}

/** A value as the program declared it: a secret marker is unwrapped (the flag remembers it), an unknown refused. */
function plain(value: unknown, where: string): { value: unknown; secret: boolean } {
  if (isUnknown(value)) {
    throw new EdgeZoneError(`${where} is unknown: evaluate the program as an update (not a preview) so every output is known`);
  }
  if (isSecret(value)) {
    const inner = plain(value.value, where);
    return { value: inner.value, secret: true };
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => plain(v, `${where}[${i}]`));
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => [k, plain(v, `${where}.${k}`)] as const);
    return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), secret: entries.some(([, v]) => v.secret) };
  }
  return { value, secret: false };
}

function str(obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== "string" || v === "") throw new EdgeZoneError(`${where}.${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function num(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new EdgeZoneError(`${where}.${key} must be a number >= 0, got ${JSON.stringify(v)}`);
  return v;
}

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new EdgeZoneError(`${where} must be an object, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

function readSettings(settings: PlanResource[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const s of settings) {
    const { value: inputs } = plain(s.inputs, `ZoneSetting ${s.name}`);
    const i = asObject(inputs, `ZoneSetting ${s.name}`);
    const id = str(i, "settingId", `ZoneSetting ${s.name}`);
    if (out.has(id)) throw new EdgeZoneError(`zone setting ${id} is declared twice (ZoneSetting ${s.name}): Cloudflare keeps one value per setting`);
    out.set(id, i.value);
  }
  return out;
}

/** `Strict-Transport-Security` from the `security_header` value (https://developers.cloudflare.com/ssl/edge-certificates/additional-options/http-strict-transport-security/). */
export function hstsFromSetting(value: unknown): Hsts | undefined {
  if (value === undefined) return undefined;
  const v = asObject(value, "zone setting security_header");
  const sts = asObject(v.strict_transport_security, "zone setting security_header.strict_transport_security");
  if (sts.enabled !== true) return undefined;
  const maxAge = num(sts, "max_age", "security_header.strict_transport_security");
  const parts = [`max-age=${maxAge}`];
  if (sts.include_subdomains === true) parts.push("includeSubDomains");
  if (sts.preload === true) parts.push("preload");
  return { value: parts.join("; "), nosniff: sts.nosniff === true };
}

function tlsSetting(value: unknown, fallback: TlsVersion): TlsVersion {
  if (value === undefined) return fallback;
  const v = TLS_BY_SETTING[String(value)];
  if (!v) throw new EdgeZoneError(`zone setting min_tls_version must be one of ${Object.keys(TLS_BY_SETTING).join(", ")}, got ${JSON.stringify(value)}`);
  return v;
}

function compileExpression(text: string, where: string): Expr {
  try {
    return parse(text);
  } catch (e) {
    throw new EdgeZoneError(
      `${where}: expression ${JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}...` : text)} is outside what the twin evaluates ` +
        `(components/edge/expressions.ts, the parser of the subset the edge component writes): ${(e as Error).message}. ` +
        `Extend that parser and evaluator together with the builder, so the twin and the rule tests keep one language.`,
    );
  }
}

function headerOperations(
  params: Record<string, unknown>,
  declaredSecret: boolean,
  where: string,
  secrets: Record<string, string>,
): HeaderOperation[] {
  const headers = asObject(params.headers ?? {}, `${where}.actionParameters.headers`);
  return Object.entries(headers).map(([rawName, spec]) => {
    const name = rawName.toLowerCase();
    const h = asObject(spec, `${where}.actionParameters.headers.${rawName}`);
    const operation = h.operation;
    if (operation !== "set" && operation !== "add" && operation !== "remove") {
      throw new EdgeZoneError(`${where}: header ${rawName} has operation ${JSON.stringify(operation)}; Cloudflare takes set, add or remove`);
    }
    if (operation === "remove") return { name, operation, secret: false };
    if (h.expression !== undefined) {
      throw new EdgeZoneError(`${where}: header ${rawName} is set from an expression; the twin only sets static values (actionParameters.headers.${rawName}.value)`);
    }
    const fromSecrets = Object.prototype.hasOwnProperty.call(secrets, name) ? secrets[name] : undefined;
    if (fromSecrets !== undefined) return { name, operation, value: fromSecrets, secret: true };
    const value = h.value;
    if (typeof value !== "string" || value === SECRET_PLACEHOLDER) {
      throw new EdgeZoneError(
        `${where}: header ${rawName} is set from a secret the recorded plan cannot show: pass its value as options.secrets[${JSON.stringify(name)}]`,
      );
    }
    return { name, operation, value, secret: declaredSecret };
  });
}

function cacheSettings(params: Record<string, unknown>, where: string): CacheSettings {
  if (typeof params.cache !== "boolean") throw new EdgeZoneError(`${where}.actionParameters.cache must be true or false`);
  const out: CacheSettings = { cache: params.cache };
  if (params.edgeTtl !== undefined) {
    const ttl = asObject(params.edgeTtl, `${where}.actionParameters.edgeTtl`);
    const mode = ttl.mode;
    if (mode !== "respect_origin" && mode !== "bypass_by_default" && mode !== "override_origin") {
      throw new EdgeZoneError(`${where}.actionParameters.edgeTtl.mode must be respect_origin, bypass_by_default or override_origin, got ${JSON.stringify(mode)}`);
    }
    out.edgeTtlMode = mode;
    if (mode === "override_origin") out.edgeTtlDefault = num(ttl, "default", `${where}.actionParameters.edgeTtl`);
  }
  return out;
}

/** Rate-limit characteristics the twin can key on. `cf.colo.id` is one value: the twin is one data centre. */
const CHARACTERISTICS = /^(cf\.colo\.id|ip\.src|http\.host|http\.request\.headers\["[a-z0-9-]+"\])$/;

function compileRule(
  phase: Phase,
  raw: unknown,
  index: number,
  secrets: Record<string, string>,
  rulesetName: string,
  rulesSecret: boolean,
): CompiledRule | undefined {
  const { value, secret: ruleSecret } = plain(raw, `Ruleset ${rulesetName} rule ${index}`);
  const secret = ruleSecret || rulesSecret;
  const r = asObject(value, `Ruleset ${rulesetName} rule ${index}`);
  const ref = typeof r.ref === "string" && r.ref ? r.ref : `#${index}`;
  const where = `Ruleset ${rulesetName} (${phase}) rule ${ref}`;
  if (r.enabled === false) return undefined;
  const action = str(r, "action", where);
  const allowed = ACTIONS_BY_PHASE[phase] ?? [];
  if (!allowed.includes(action)) {
    throw new EdgeZoneError(`${where}: action ${JSON.stringify(action)} is not one the twin runs in ${phase} (${allowed.join(", ")})`);
  }
  const text = str(r, "expression", where);
  const rule: CompiledRule = {
    phase,
    ref,
    description: typeof r.description === "string" ? r.description : "",
    text,
    expression: compileExpression(text, where),
    action,
  };
  const params = r.actionParameters === undefined ? {} : asObject(r.actionParameters, `${where}.actionParameters`);
  if (action === "block" && params.response !== undefined) {
    const resp = asObject(params.response, `${where}.actionParameters.response`);
    rule.response = {
      statusCode: num(resp, "statusCode", `${where}.actionParameters.response`),
      contentType: str(resp, "contentType", `${where}.actionParameters.response`),
      content: typeof resp.content === "string" ? resp.content : "",
    };
  }
  if (action === "skip") {
    const phases = Array.isArray(params.phases) ? params.phases.map(String) : [];
    rule.skip = { ruleset: params.ruleset === "current", phases };
    if (!rule.skip.ruleset && phases.length === 0) {
      throw new EdgeZoneError(`${where}: skip needs actionParameters.ruleset "current" or actionParameters.phases; products and rules skips are not reproduced`);
    }
  }
  if (action === "set_cache_settings") rule.cacheSettings = cacheSettings(params, where);
  if (action === "rewrite") {
    if (params.uri !== undefined) throw new EdgeZoneError(`${where}: URL rewrites (actionParameters.uri) are not reproduced by the twin`);
    rule.headers = headerOperations(params, secret, where, secrets);
  }
  if (phase === "http_ratelimit") {
    const rl = asObject(r.ratelimit, `${where}.ratelimit`);
    const characteristics = Array.isArray(rl.characteristics) ? rl.characteristics.map(String) : [];
    const bad = characteristics.filter((c) => !CHARACTERISTICS.test(c));
    if (bad.length > 0) throw new EdgeZoneError(`${where}: rate-limit characteristics ${bad.join(", ")} are not reproduced (cf.colo.id, ip.src, http.host, http.request.headers["x"])`);
    if (rl.scorePerPeriod !== undefined) throw new EdgeZoneError(`${where}: complexity-based rate limiting (scorePerPeriod) is not reproduced`);
    if (rl.requestsToOrigin === true) throw new EdgeZoneError(`${where}: ratelimit.requestsToOrigin (count only uncached requests) is not reproduced`);
    rule.ratelimit = {
      characteristics,
      period: num(rl, "period", `${where}.ratelimit`),
      requestsPerPeriod: num(rl, "requestsPerPeriod", `${where}.ratelimit`),
      mitigationTimeout: typeof rl.mitigationTimeout === "number" ? rl.mitigationTimeout : 0,
      ...(typeof rl.countingExpression === "string" && rl.countingExpression
        ? { counting: compileExpression(rl.countingExpression, `${where} counting expression`) }
        : {}),
    };
    if (rule.ratelimit.period <= 0) throw new EdgeZoneError(`${where}.ratelimit.period must be > 0`);
  }
  return rule;
}

/**
 * The zone the program declares, from its recorded resources. Exactly one zone may have proxied records.
 * Throws EdgeZoneError naming the resource, rule and field when something cannot be reproduced.
 */
export function readZone(resources: readonly PlanResource[], options: ReadZoneOptions = {}): EdgeZone {
  const secrets = Object.fromEntries(Object.entries(options.secrets ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const records = resources
    .filter((r) => r.type === TYPE.record)
    .map((r) => ({ r, inputs: asObject(plain(r.inputs, `DnsRecord ${r.name}`).value, `DnsRecord ${r.name}`) }))
    .filter(({ inputs }) => inputs.proxied === true && (inputs.type === "A" || inputs.type === "AAAA"));
  if (records.length === 0) {
    throw new EdgeZoneError("the program declares no proxied A/AAAA record (cloudflare DnsRecord with proxied: true): nothing for the edge to serve");
  }
  const zoneIds = [...new Set(records.map(({ inputs }) => String(inputs.zoneId)))];
  if (zoneIds.length !== 1) throw new EdgeZoneError(`proxied records span ${zoneIds.length} zones (${zoneIds.join(", ")}); the edge stand-in serves one zone`);
  const zoneId = zoneIds[0];
  const inZone = (r: PlanResource) => {
    const z = (plain(r.inputs, `${r.type} ${r.name}`).value as Record<string, unknown>).zoneId;
    return z === zoneId;
  };

  const settings = readSettings(resources.filter((r) => r.type === TYPE.setting && inZone(r)));
  const ssl = settings.get("ssl") ?? "full";
  if (ssl !== "strict" && ssl !== "full") {
    throw new EdgeZoneError(`zone setting ssl is ${JSON.stringify(ssl)}: the twin reproduces "strict" and "full" (HTTPS to the origin) only`);
  }

  const rulesets = resources.filter((r) => r.type === TYPE.ruleset && inZone(r));
  const seenPhases = new Set<string>();
  const rules: CompiledRule[] = [];
  const notReproduced: EdgeZone["notReproduced"] = [];
  const ordered = rulesets
    .map((r) => {
      const inputs = asObject(plain(r.inputs, `Ruleset ${r.name}`).value, `Ruleset ${r.name}`);
      return { r, inputs, phase: str(inputs, "phase", `Ruleset ${r.name}`) };
    })
    .sort((a, b) => PHASE_ORDER.indexOf(a.phase as Phase) - PHASE_ORDER.indexOf(b.phase as Phase));
  for (const { r, phase } of ordered) {
    if (!(PHASE_ORDER as readonly string[]).includes(phase)) throw new EdgeZoneError(`Ruleset ${r.name}: phase ${phase} is not a request phase the twin knows`);
    if (seenPhases.has(phase)) throw new EdgeZoneError(`Ruleset ${r.name}: a second entry point for ${phase}; Cloudflare allows one per zone and phase`);
    seenPhases.add(phase);
    // Rules are taken from the raw inputs so a secret marker on one rule stays with that rule.
    const rawRules = (isSecret(r.inputs.rules) ? r.inputs.rules.value : r.inputs.rules) ?? [];
    const wholeSecret = isSecret(r.inputs.rules);
    if (!Array.isArray(rawRules)) throw new EdgeZoneError(`Ruleset ${r.name}.rules must be a list`);
    const why = NOT_REPRODUCED[phase as Phase];
    if (why !== undefined || !REPRODUCED_PHASES.includes(phase as Phase)) {
      notReproduced.push({
        phase,
        why: why ?? `the ${phase} phase is not reproduced by the twin`,
        rules: rawRules.map((x, i) => String((plain(x, `Ruleset ${r.name} rule ${i}`).value as Record<string, unknown>)?.ref ?? `#${i}`)),
      });
      continue;
    }
    rawRules.forEach((raw, i) => {
      const rule = compileRule(phase as Phase, raw, i, secrets, r.name, wholeSecret);
      if (rule) rules.push(rule);
    });
  }

  const hostnames = [...new Set(records.map(({ inputs }) => String(inputs.name).toLowerCase()))];
  return {
    zoneId,
    hostnames,
    originIps: records.map(({ inputs }) => String(inputs.content)),
    minTlsVersion: tlsSetting(settings.get("min_tls_version"), "TLSv1"),
    maxTlsVersion: settings.get("tls_1_3") === "off" ? "TLSv1.2" : "TLSv1.3",
    hsts: hstsFromSetting(settings.get("security_header")),
    alwaysUseHttps: settings.get("always_use_https") === "on",
    sslMode: ssl,
    rules,
    notReproduced,
  };
}
