/**
 * Offline validation of the sending domain's records, done the way a receiving mail server does it:
 * mailauth (https://github.com/postalsys/mailauth) evaluates SPF, fetches the DKIM key and the DMARC record
 * through an in-memory resolver that answers from the planned records and the vendored provider SPF chains.
 * Nothing here touches the network: a name the resolver has no data for is an error, never a live lookup.
 *
 * Rules: SPF RFC 7208 (one record per name §3.2, 10 DNS-querying terms §4.6.4, 2 void lookups), DKIM RFC
 * 6376 §3.6.1 and RFC 8301 (RSA keys; 2048 bits is this project's floor), DMARC RFC 7489 §6.3-6.4 (with the
 * `np`/`t` tags of DMARCbis), null MX RFC 7505.
 */
import { createPublicKey } from "node:crypto";
import { dmarc as mailauthDmarc, getDmarcRecord, getPublicKey, spf as mailauthSpf } from "../../../adapters/mailauth";
import type { SpfChain } from "../../../data/spf";
import { normalizeName, TXT_CHUNK_MAX, unquoteTxt, type PlannedRecord } from "../../../components/email/records";

export type Tier = "staging" | "prod";

export interface EmailCheck {
  /** Which rule: spf-single, spf-syntax, spf-lookups, spf-eval, spf-chain-data, dkim-key, dkim-receiver, dmarc-single, dmarc-syntax, dmarc-policy, dmarc-rua, dmarc-receiver, mx, record-format, sender. */
  check: string;
  /** The record checked: `<purpose> <type> <name>`. */
  record: string;
  ok: boolean;
  /** `error` fails the verdict; `warning` is advice. */
  level: "error" | "warning";
  message: string;
}

/** The verdict: plain data, no secret. `problems` lists the messages of the failed error-level checks. */
export interface EmailValidationVerdict {
  ok: boolean;
  domain: string;
  tier: Tier;
  /** Worst-case SPF evaluation of the sending domain (an address no provider uses walks every term). */
  spf: { lookups: number; limit: number; voidLookups: number; result: string } | null;
  checks: EmailCheck[];
  problems: string[];
}

export interface ValidateOptions {
  /** The sending domain. */
  domain: string;
  tier: Tier;
  /** The app's From address. */
  sender: string;
  /** The Cloudflare zone the records live in: report addresses inside it need no authorization record. */
  zone?: string;
  /** Provider SPF chains the resolver may answer from. */
  chains: readonly SpfChain[];
  /** RFC 7208 §4.6.4 limit of DNS-querying terms. */
  maxLookups?: number;
  /** Above this many lookups the verdict warns: a provider adding one include must not break SPF. */
  lookupMargin?: number;
}

type MxAnswer = { exchange: string; priority: number };
export type DnsAnswer = string[][] | string[] | MxAnswer[];
export type Resolver = (name: string, rrtype: string) => Promise<DnsAnswer>;

function dnsError(code: "ENOTFOUND" | "ENODATA", name: string, type: string): Error {
  return Object.assign(new Error(`${code} ${type} ${name}`), { code, hostname: name });
}

/** Raised for a name the offline resolver has no data for: the plan must not depend on a live lookup. */
export class UnknownNameError extends Error {
  readonly code = "ENOVENDORED";
  constructor(readonly hostname: string, readonly rrtype: string) {
    super(
      `no offline DNS data for ${rrtype} ${hostname}: it is neither a planned record nor in a vendored SPF chain (data/spf/)`,
    );
    this.name = "UnknownNameError";
  }
}

function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * A resolver with `dns.promises.resolve`'s answer shapes (TXT: string[][], MX: {exchange, priority}[],
 * A/AAAA: string[]) over the planned records (authoritative for the sending domain's subtree) and the vendored
 * chains (authoritative for their zones). Every query is recorded in `queries`.
 */
export function createOfflineResolver(
  records: readonly PlannedRecord[],
  chains: readonly SpfChain[],
  domain: string,
): { resolve: Resolver; queries: { name: string; type: string }[]; unknown: { name: string; type: string }[] } {
  const table = new Map<string, { TXT: string[][]; MX: MxAnswer[]; A: string[]; AAAA: string[] }>();
  const entry = (name: string) => {
    const key = normalizeName(name);
    let e = table.get(key);
    if (!e) table.set(key, (e = { TXT: [], MX: [], A: [], AAAA: [] }));
    return e;
  };
  for (const r of records) {
    if (r.type === "TXT") entry(r.name).TXT.push(unquoteTxt(r.content));
    else entry(r.name).MX.push({ exchange: r.content === "." ? "" : r.content, priority: r.priority ?? 0 });
  }
  const zones = [normalizeName(domain)];
  for (const c of chains) {
    zones.push(...c.zones.map(normalizeName));
    for (const [name, sets] of Object.entries(c.records)) {
      const e = entry(name);
      e.TXT.push(...(sets.TXT ?? []).map((t) => [t]));
      e.MX.push(...(sets.MX ?? []).map((m) => ({ exchange: normalizeName(m.exchange), priority: m.priority })));
      e.A.push(...(sets.A ?? []));
      e.AAAA.push(...(sets.AAAA ?? []));
    }
  }
  const queries: { name: string; type: string }[] = [];
  const unknown: { name: string; type: string }[] = [];
  const resolve: Resolver = async (rawName, rrtype) => {
    const name = normalizeName(rawName);
    const type = rrtype.toUpperCase();
    queries.push({ name, type });
    const e = table.get(name);
    if (!e && !zones.some((z) => inZone(name, z))) {
      // Recorded as well as thrown: mailauth swallows errors of an include that carry no SPF result.
      unknown.push({ name, type });
      throw new UnknownNameError(name, type);
    }
    if (!e) throw dnsError("ENOTFOUND", name, type);
    if (type !== "TXT" && type !== "MX" && type !== "A" && type !== "AAAA") throw dnsError("ENODATA", name, type);
    const answer = e[type];
    if (answer.length === 0) throw dnsError("ENODATA", name, type);
    return answer.map((a) => (Array.isArray(a) ? [...a] : a)) as DnsAnswer;
  };
  return { resolve, queries, unknown };
}

const label = (r: Pick<PlannedRecord, "purpose" | "type" | "name">) => `${r.purpose} ${r.type} ${r.name}`;

/** TXT value as receivers see it: the character-strings joined. */
function txtValue(r: PlannedRecord): string {
  return unquoteTxt(r.content).join("");
}

const isSpf = (v: string) => /^v=spf1(\s|$)/i.test(v);
const isDmarc = (v: string) => /^v=DMARC1\s*(;|$)/i.test(v);

// ---------------------------------------------------------------------------------------------------------
// SPF

const SPF_MECHANISMS = new Set(["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"]);

/** Static reading of one SPF record: the problems a reviewer should see before any evaluation. */
export function spfSyntaxProblems(value: string, tier: Tier): string[] {
  const problems: string[] = [];
  const terms = value.trim().split(/\s+/).slice(1);
  let all: string | undefined;
  terms.forEach((term, i) => {
    const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(term);
    if (modifier) {
      const name = modifier[1].toLowerCase();
      if (name !== "redirect" && name !== "exp") problems.push(`unknown modifier "${term}"`);
      if (name === "redirect" && terms.some((t) => /^[-~?+]?all$/i.test(t))) {
        problems.push(`"${term}" is ignored because the record has an "all" term`);
      }
      return;
    }
    const m = /^([-~?+]?)([a-z0-9]+)(.*)$/i.exec(term);
    const mech = m?.[2].toLowerCase() ?? "";
    if (!m || !SPF_MECHANISMS.has(mech)) {
      problems.push(`unknown mechanism "${term}"`);
      return;
    }
    if (mech === "ptr") problems.push(`"${term}": the ptr mechanism must not be used (RFC 7208 §5.5)`);
    if (mech === "all") {
      all = `${m[1] || "+"}all`;
      if (i !== terms.length - 1) problems.push(`"${term}" must be the last term: everything after it is ignored`);
    }
  });
  if (all === undefined) problems.push(`has no "all" term: it must end in -all${tier === "staging" ? " (or ~all in staging)" : ""}`);
  else if (all === "+all") problems.push(`ends in "+all": it authorizes every host on the Internet to send as this domain; end it in -all`);
  else if (all === "?all") problems.push(`ends in "?all" (neutral): it protects nothing; end it in -all`);
  else if (all === "~all" && tier === "prod") problems.push(`ends in "~all": prod requires "-all" (~all is allowed in staging only)`);
  return problems;
}

/** An address in TEST-NET-1 (RFC 5737): no provider sends from it, so evaluation walks every term. */
const WORST_CASE_IP = "192.0.2.1";

async function checkSpf(
  records: readonly PlannedRecord[],
  opts: ValidateOptions,
  resolver: { resolve: Resolver; unknown: { name: string; type: string }[] },
  checks: EmailCheck[],
): Promise<EmailValidationVerdict["spf"]> {
  const resolve = resolver.resolve;
  const domain = normalizeName(opts.domain);
  const limit = opts.maxLookups ?? 10;
  const margin = opts.lookupMargin ?? 8;
  const byName = new Map<string, PlannedRecord[]>();
  for (const r of records) {
    if (r.type === "TXT" && isSpf(txtValue(r))) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  }
  for (const [name, spfs] of byName) {
    const rec = `spf TXT ${name}`;
    if (spfs.length > 1) {
      checks.push({
        check: "spf-single",
        record: rec,
        ok: false,
        level: "error",
        message: `${rec}: ${spfs.length} SPF records at one name (${spfs.map((s) => JSON.stringify(txtValue(s))).join(", ")}); receivers return permerror: merge them into exactly one`,
      });
    } else {
      checks.push({ check: "spf-single", record: rec, ok: true, level: "error", message: `${rec}: exactly one SPF record` });
    }
    for (const r of spfs) {
      const problems = spfSyntaxProblems(txtValue(r), opts.tier);
      checks.push({
        check: "spf-syntax",
        record: rec,
        ok: problems.length === 0,
        level: "error",
        message: problems.length === 0 ? `${rec}: ${txtValue(r)}` : `${rec}: ${problems.join("; ")}`,
      });
    }
  }
  const own = `spf TXT ${domain}`;
  if (!byName.has(domain)) {
    checks.push({ check: "spf-single", record: own, ok: false, level: "error", message: `${own}: the sending domain has no SPF record; publish "v=spf1 include:<provider> -all"` });
    return null;
  }

  const result = await mailauthSpf({
    sender: `postmaster@${domain}`,
    ip: WORST_CASE_IP,
    helo: domain,
    mta: "renfort-offline-check",
    resolver: resolve as never,
    // Counted here against `limit`, so that the verdict reports the real count instead of stopping at 11.
    maxResolveCount: 100,
    maxVoidCount: 2,
  });
  const lookups = result.lookups?.count ?? 0;
  const voidLookups = result.lookups?.void ?? 0;
  const status = result.status.result;
  const comment = result.status.comment ?? "";
  const missing = [...new Set(resolver.unknown.map((u) => `${u.type} ${u.name}`))];
  if (missing.length > 0) {
    checks.push({
      check: "spf-eval",
      record: own,
      ok: false,
      level: "error",
      message: `${own}: no offline DNS data for ${missing.join(", ")}: the worst case cannot be counted; vendor the provider's SPF chain in data/spf/ (npx tsx data/spf/refresh.ts)`,
    });
  }
  const evalOk = status === "fail" || (status === "softfail" && opts.tier === "staging");
  let evalMessage: string;
  if (status === "fail") evalMessage = `${own}: a host outside the provider's ranges gets "fail", as intended`;
  else if (status === "softfail") evalMessage = `${own}: a host outside the provider's ranges gets "softfail"${opts.tier === "prod" ? "; prod requires fail (-all)" : " (allowed in staging)"}`;
  else if (status === "pass") evalMessage = `${own}: ${WORST_CASE_IP} (TEST-NET-1, used by no provider) gets "pass": the record or an include authorizes any host`;
  else if (status === "neutral") evalMessage = `${own}: a host outside the provider's ranges gets "neutral" (?all or no all term): SPF protects nothing`;
  else evalMessage = `${own}: receivers get ${status}: ${comment.replace(/^renfort-offline-check: /, "")}`;
  checks.push({ check: "spf-eval", record: own, ok: evalOk, level: "error", message: evalMessage });

  if (status === "permerror" || status === "temperror") {
    // The count is only meaningful when evaluation reached the end.
  } else {
    checks.push({
      check: "spf-lookups",
      record: own,
      ok: lookups <= limit,
      level: "error",
      message:
        lookups <= limit
          ? `${own}: worst case ${lookups} DNS lookups (limit ${limit}), ${voidLookups} void`
          : `${own}: worst case ${lookups} DNS lookups, over the limit of ${limit} (RFC 7208 §4.6.4): receivers return permerror; remove includes or use the provider's flattened include`,
    });
    if (lookups <= limit && lookups > margin) {
      checks.push({
        check: "spf-lookups",
        record: own,
        ok: false,
        level: "warning",
        message: `${own}: ${lookups} DNS lookups leaves less than ${limit - margin} of headroom: one more include by a provider breaks SPF`,
      });
    }
  }
  for (const c of opts.chains) {
    if (c.standIn) {
      checks.push({
        check: "spf-chain-data",
        record: `spf TXT ${c.include}`,
        ok: false,
        level: "warning",
        message: `spf TXT ${c.include}: the vendored copy (taken ${c.takenAt}) is a stand-in, not the published record; lookups inside it are modelled, not counted. Refresh it with npx tsx data/spf/refresh.ts`,
      });
    }
  }
  return { lookups, limit, voidLookups, result: status };
}

// ---------------------------------------------------------------------------------------------------------
// DKIM

/** Tag list of a DKIM key record (RFC 6376 §3.2/§3.6.1); throws on a malformed list or a duplicate tag. */
export function parseTagList(value: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const raw of value.split(";")) {
    const term = raw.trim();
    if (term.length === 0) continue;
    const m = /^([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*)$/s.exec(term);
    if (!m) throw new Error(`"${term}" is not a tag=value pair`);
    const tag = m[1];
    if (tags.has(tag)) throw new Error(`tag "${tag}" appears twice`);
    tags.set(tag, m[2].trim());
  }
  return tags;
}

/** Problems of a DKIM key record, and the RSA size found. */
export function dkimKeyProblems(value: string, tier: Tier): { problems: string[]; warnings: string[]; bits?: number; keyType?: string } {
  const problems: string[] = [];
  const warnings: string[] = [];
  let tags: Map<string, string>;
  try {
    tags = parseTagList(value);
  } catch (e) {
    return { problems: [(e as Error).message], warnings };
  }
  const first = value.trim().split(";")[0]?.trim();
  if (tags.has("v") && (tags.get("v") !== "DKIM1" || !/^v\s*=/.test(first ?? ""))) problems.push(`v= must be "DKIM1" and the first tag`);
  const k = (tags.get("k") ?? "rsa").toLowerCase();
  if (k !== "rsa" && k !== "ed25519") problems.push(`k=${k} is not a DKIM key type (rsa or ed25519)`);
  const p = (tags.get("p") ?? "").replace(/\s+/g, "");
  if (!tags.has("p")) problems.push("has no p= tag (the public key)");
  else if (p.length === 0) problems.push("p= is empty: the key is revoked (RFC 6376 §3.6.1)");
  const flags = (tags.get("t") ?? "").split(":").map((f) => f.trim());
  if (flags.includes("y")) (tier === "prod" ? problems : warnings).push("t=y marks the domain as testing DKIM: receivers treat failures as unsigned");
  if (problems.length > 0 || p.length === 0) return { problems, warnings };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(p)) return { problems: [...problems, "p= is not base64"], warnings };
  const der = Buffer.from(p, "base64");
  if (k === "ed25519") {
    if (der.length !== 32) problems.push(`p= must be a 32-byte Ed25519 key (RFC 8463), got ${der.length} bytes`);
    warnings.push("an Ed25519-only selector is not verified by every receiver: publish an RSA-2048 selector too");
    return { problems, warnings, keyType: "ed25519" };
  }
  try {
    const key = createPublicKey({ key: der, format: "der", type: "spki" });
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (key.asymmetricKeyType !== "rsa" || bits === undefined) {
      problems.push(`p= holds a ${key.asymmetricKeyType ?? "unknown"} key, but k=rsa`);
      return { problems, warnings };
    }
    if (bits < 2048) problems.push(`RSA key is ${bits} bits: use at least 2048 (RFC 8301; 1024-bit keys are factorable and rejected by some receivers)`);
    return { problems, warnings, bits, keyType: "rsa" };
  } catch (e) {
    return { problems: [...problems, `p= is not a DER SubjectPublicKeyInfo: ${(e as Error).message}`], warnings };
  }
}

async function checkDkim(records: readonly PlannedRecord[], opts: ValidateOptions, resolve: Resolver, checks: EmailCheck[]): Promise<void> {
  const domain = normalizeName(opts.domain);
  const dkims = records.filter((r) => r.purpose === "dkim");
  if (dkims.length === 0) {
    checks.push({ check: "dkim-key", record: `dkim TXT *._domainkey.${domain}`, ok: false, level: "error", message: `dkim TXT *._domainkey.${domain}: no DKIM key is published: DMARC cannot pass through DKIM` });
    return;
  }
  for (const r of dkims) {
    const rec = label(r);
    if (!r.name.endsWith(`._domainkey.${domain}`)) {
      checks.push({ check: "dkim-key", record: rec, ok: false, level: "error", message: `${rec}: a DKIM key for the sending domain must be at <selector>._domainkey.${domain}` });
    }
    const sameName = records.filter((x) => x.type === "TXT" && x.name === r.name);
    if (sameName.length > 1) {
      checks.push({ check: "dkim-key", record: rec, ok: false, level: "error", message: `${rec}: ${sameName.length} TXT records at the selector name: receivers read only one` });
    }
    const { problems, warnings, bits, keyType } = dkimKeyProblems(txtValue(r), opts.tier);
    checks.push({
      check: "dkim-key",
      record: rec,
      ok: problems.length === 0,
      level: "error",
      message: problems.length === 0 ? `${rec}: ${keyType === "rsa" ? `RSA ${bits} bits` : keyType}` : `${rec}: ${problems.join("; ")}`,
    });
    for (const w of warnings) checks.push({ check: "dkim-key", record: rec, ok: false, level: "warning", message: `${rec}: ${w}` });
    if (problems.length > 0) continue;
    // As a receiver fetches it: mailauth rejects keys under the floor with ESHORTKEY.
    try {
      const key = await getPublicKey("DKIM", r.name, 2048, resolve);
      checks.push({ check: "dkim-receiver", record: rec, ok: true, level: "error", message: `${rec}: mailauth loads the key${key.modulusLength ? ` (${key.modulusLength} bits)` : ""}` });
    } catch (e) {
      const err = e as Error & { code?: string };
      checks.push({ check: "dkim-receiver", record: rec, ok: false, level: "error", message: `${rec}: receivers cannot use the key: ${err.message}${err.code ? ` (${err.code})` : ""}` });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// DMARC

const DMARC_POLICIES = new Set(["none", "quarantine", "reject"]);
const DMARC_TAGS = new Set(["v", "p", "sp", "np", "adkim", "aspf", "fo", "pct", "rf", "ri", "rua", "ruf", "t", "psd"]);

/** A DMARC URI: `mailto:addr[!size]` (RFC 7489 §6.2). */
const DMARC_URI = /^mailto:([^@\s,;!]+)@([a-z0-9.-]+\.[a-z]{2,63})(![0-9]+[kmgt]?)?$/i;

/** Parses a DMARC record strictly: unknown or repeated tags are errors (a typo silently weakens the policy). */
export function parseDmarc(value: string): { tags: Map<string, string>; problems: string[] } {
  const problems: string[] = [];
  const tags = new Map<string, string>();
  const terms = value.split(";").map((t) => t.trim());
  terms.forEach((term, i) => {
    if (term.length === 0) {
      if (i !== terms.length - 1) problems.push("empty term between two semicolons");
      return;
    }
    const m = /^([a-z]+)\s*=\s*(.*)$/i.exec(term);
    if (!m) {
      problems.push(`"${term}" is not a tag=value pair`);
      return;
    }
    const tag = m[1].toLowerCase();
    if (!DMARC_TAGS.has(tag)) problems.push(`unknown tag "${m[1]}"`);
    if (tags.has(tag)) problems.push(`tag "${tag}" appears twice`);
    tags.set(tag, m[2].trim());
  });
  if (!/^v\s*=\s*DMARC1$/.test(terms[0] ?? "")) problems.push(`must start with "v=DMARC1" (case-sensitive)`);
  const p = tags.get("p");
  if (p === undefined) problems.push("has no p= tag");
  for (const t of ["p", "sp", "np"]) {
    const v = tags.get(t);
    if (v !== undefined && !DMARC_POLICIES.has(v)) problems.push(`${t}=${v} must be none, quarantine or reject`);
  }
  for (const t of ["adkim", "aspf"]) {
    const v = tags.get(t);
    if (v !== undefined && v !== "r" && v !== "s") problems.push(`${t}=${v} must be r or s`);
  }
  const pct = tags.get("pct");
  if (pct !== undefined && !(/^\d{1,3}$/.test(pct) && Number(pct) <= 100)) problems.push(`pct=${pct} must be an integer 0-100`);
  const ri = tags.get("ri");
  if (ri !== undefined && !/^\d+$/.test(ri)) problems.push(`ri=${ri} must be a number of seconds`);
  const fo = tags.get("fo");
  if (fo !== undefined && !fo.split(":").every((f) => ["0", "1", "d", "s"].includes(f.trim()))) problems.push(`fo=${fo} must be 0, 1, d or s, joined by ":"`);
  const t = tags.get("t");
  if (t !== undefined && t !== "y" && t !== "n") problems.push(`t=${t} must be y or n`);
  for (const k of ["rua", "ruf"]) {
    const v = tags.get(k);
    if (v === undefined) continue;
    const uris = v.split(",").map((u) => u.trim());
    for (const u of uris) if (!DMARC_URI.test(u)) problems.push(`${k} entry "${u}" is not a mailto: URI`);
  }
  return { tags, problems };
}

async function checkDmarc(records: readonly PlannedRecord[], opts: ValidateOptions, resolve: Resolver, checks: EmailCheck[]): Promise<void> {
  const domain = normalizeName(opts.domain);
  const name = `_dmarc.${domain}`;
  const rec = `dmarc TXT ${name}`;
  const atName = records.filter((r) => r.type === "TXT" && r.name === name);
  const dmarcs = atName.filter((r) => isDmarc(txtValue(r)));
  // A record meant as DMARC but with a broken prefix is still at the name: read it so the message says why.
  const candidates = dmarcs.length > 0 ? dmarcs : atName.filter((r) => r.purpose === "dmarc");
  if (candidates.length === 0) {
    checks.push({ check: "dmarc-single", record: rec, ok: false, level: "error", message: `${rec}: no DMARC record: publish "v=DMARC1; p=quarantine; rua=mailto:..."` });
    return;
  }
  if (dmarcs.length > 1) {
    checks.push({ check: "dmarc-single", record: rec, ok: false, level: "error", message: `${rec}: ${dmarcs.length} DMARC records: receivers ignore all of them (RFC 7489 §6.6.3); keep one` });
  } else {
    checks.push({ check: "dmarc-single", record: rec, ok: true, level: "error", message: `${rec}: exactly one DMARC record` });
  }
  for (const r of candidates) {
    const value = txtValue(r);
    const { tags, problems } = parseDmarc(value);
    checks.push({
      check: "dmarc-syntax",
      record: rec,
      ok: problems.length === 0,
      level: "error",
      message: problems.length === 0 ? `${rec}: ${value}` : `${rec}: malformed DMARC record ${JSON.stringify(value)}: ${problems.join("; ")}`,
    });
    if (problems.length > 0) continue;
    const p = tags.get("p") ?? "none";
    const sp = tags.get("sp") ?? p;
    const np = tags.get("np") ?? sp;
    const weak = [["p", p], ["sp", sp], ["np", np]].filter(([, v]) => v === "none").map(([k]) => `${k}=none`);
    if (opts.tier === "prod") {
      checks.push({
        check: "dmarc-policy",
        record: rec,
        ok: weak.length === 0 && tags.get("t") !== "y",
        level: "error",
        message:
          weak.length > 0
            ? `${rec}: ${weak.join(", ")} in prod: spoofed mail is delivered; set renfort:email.dmarc.policy to quarantine or reject`
            : tags.get("t") === "y"
              ? `${rec}: t=y (testing) in prod: receivers do not apply the policy`
              : `${rec}: p=${p}, sp=${sp}`,
      });
    } else if (weak.length > 0) {
      checks.push({ check: "dmarc-policy", record: rec, ok: false, level: "warning", message: `${rec}: ${weak.join(", ")} (monitoring only): allowed in staging, prod needs quarantine or reject` });
    }
    const pct = tags.get("pct");
    if (pct !== undefined && pct !== "100") {
      checks.push({ check: "dmarc-policy", record: rec, ok: false, level: "warning", message: `${rec}: pct=${pct}: the policy applies to part of the failing mail only` });
    }
    const rua = tags.get("rua");
    if (rua === undefined) {
      checks.push({ check: "dmarc-rua", record: rec, ok: false, level: "error", message: `${rec}: no rua=: nobody sees the aggregate reports; set renfort:email.dmarc.rua` });
    } else if (opts.zone) {
      const zone = normalizeName(opts.zone);
      for (const uri of rua.split(",")) {
        const host = DMARC_URI.exec(uri.trim())?.[2]?.toLowerCase() ?? "";
        if (!inZone(host, zone)) {
          checks.push({
            check: "dmarc-rua",
            record: rec,
            ok: false,
            level: "warning",
            message: `${rec}: reports to ${host} (outside ${zone}) are only sent if ${domain}._report._dmarc.${host} publishes "v=DMARC1" (RFC 7489 §7.1)`,
          });
        }
      }
    }
  }
  if (dmarcs.length !== 1) return;
  // As a receiver reads it, and the outcome for a message From the app's sender, signed by the provider.
  try {
    const found = await getDmarcRecord(domain, resolve);
    const ours = parseDmarc(txtValue(dmarcs[0])).tags.get("p");
    const ok = found !== false && !found.isOrgRecord && found.p === ours;
    checks.push({
      check: "dmarc-receiver",
      record: rec,
      ok,
      level: "error",
      message: ok ? `${rec}: receivers read p=${found.p}` : `${rec}: receivers do not read the planned policy (got ${found === false ? "no record" : `p=${found.p ?? "?"}`})`,
    });
  } catch (e) {
    checks.push({ check: "dmarc-receiver", record: rec, ok: false, level: "error", message: `${rec}: lookup failed: ${(e as Error).message}` });
  }
  const senderDomain = opts.sender.split("@")[1]?.toLowerCase() ?? "";
  const verdict = await mailauthDmarc({ headerFrom: opts.sender, spfDomains: [domain], dkimDomains: [{ domain }], resolver: resolve as never });
  const pass = verdict !== false && verdict.status.result === "pass";
  checks.push({
    check: "sender",
    record: rec,
    ok: pass && senderDomain === domain,
    level: "error",
    message:
      senderDomain !== domain
        ? `${rec}: the sender ${opts.sender} is not on ${domain}: DKIM (d=${domain}) and SPF do not align with its From; set renfort:email.sender on ${domain}`
        : pass
          ? `${rec}: mail From ${opts.sender} signed with d=${domain} passes DMARC`
          : `${rec}: mail From ${opts.sender} signed with d=${domain} gets ${verdict === false ? "no verdict" : verdict.status.result}`,
  });
}

// ---------------------------------------------------------------------------------------------------------
// MX and record format

function checkMx(records: readonly PlannedRecord[], opts: ValidateOptions, checks: EmailCheck[]): void {
  const domain = normalizeName(opts.domain);
  const mxs = records.filter((r) => r.type === "MX" && r.name === domain);
  const rec = `mx MX ${domain}`;
  if (mxs.length === 0) {
    checks.push({ check: "mx", record: rec, ok: false, level: "error", message: `${rec}: no MX: receivers that check the envelope domain reject the mail; publish the provider's MX or a null MX (0 .)` });
    return;
  }
  const nulls = mxs.filter((r) => r.content === ".");
  if (nulls.length > 0) {
    const ok = mxs.length === 1 && nulls[0].priority === 0;
    checks.push({ check: "mx", record: rec, ok, level: "error", message: ok ? `${rec}: null MX (RFC 7505): the domain receives no mail` : `${rec}: a null MX must be the only MX at the name, with priority 0 (RFC 7505 §3)` });
    return;
  }
  for (const r of mxs) {
    const ok = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(r.content) && Number.isInteger(r.priority) && (r.priority ?? -1) >= 0 && (r.priority ?? 0) <= 65535;
    checks.push({ check: "mx", record: rec, ok, level: "error", message: ok ? `${rec}: ${r.priority} ${r.content}` : `${rec}: "${r.priority} ${r.content}" must be a priority 0-65535 and a host name without a trailing dot` });
  }
}

function checkFormat(records: readonly PlannedRecord[], checks: EmailCheck[]): void {
  for (const r of records) {
    const problems: string[] = [];
    if (r.name !== normalizeName(r.name) || r.name.endsWith(".") || !r.name.includes(".")) problems.push("name must be a lower-case FQDN without a trailing dot");
    if (!Number.isInteger(r.ttl) || !(r.ttl === 1 || (r.ttl >= 60 && r.ttl <= 86400))) problems.push(`ttl ${r.ttl} must be 1 (auto) or 60-86400`);
    if (r.type === "TXT") {
      if (!r.content.startsWith('"')) problems.push("TXT content must be quoted");
      try {
        const chunks = unquoteTxt(r.content);
        const long = chunks.find((c) => c.length > TXT_CHUNK_MAX);
        if (long) problems.push(`a character-string is ${long.length} bytes, over ${TXT_CHUNK_MAX}: split it`);
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    if (problems.length > 0) checks.push({ check: "record-format", record: label(r), ok: false, level: "error", message: `${label(r)}: ${problems.join("; ")}` });
  }
}

/**
 * Validates the planned records of a sending domain. Never throws for a bad record: every finding is a check in
 * the verdict, whose message names the record.
 */
export async function validateEmailRecords(records: readonly PlannedRecord[], opts: ValidateOptions): Promise<EmailValidationVerdict> {
  try {
    return await runChecks(records, opts);
  } catch (e) {
    // A fault of the checker must not pass for a clean verdict, nor stop the plan that would show it.
    const domain = normalizeName(opts.domain);
    const message = `email records of ${domain}: the offline check failed: ${(e as Error).message}`;
    return { ok: false, domain, tier: opts.tier, spf: null, checks: [{ check: "validator", record: domain, ok: false, level: "error", message }], problems: [message] };
  }
}

async function runChecks(records: readonly PlannedRecord[], opts: ValidateOptions): Promise<EmailValidationVerdict> {
  const domain = normalizeName(opts.domain);
  const resolver = createOfflineResolver(records, opts.chains, domain);
  const resolve = resolver.resolve;
  const checks: EmailCheck[] = [];
  checkFormat(records, checks);
  const spf = await checkSpf(records, opts, resolver, checks);
  await checkDkim(records, opts, resolve, checks);
  await checkDmarc(records, opts, resolve, checks);
  checkMx(records, opts, checks);
  const failed = checks.filter((c) => !c.ok && c.level === "error");
  return { ok: failed.length === 0, domain, tier: opts.tier, spf, checks, problems: failed.map((c) => c.message) };
}
