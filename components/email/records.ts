/**
 * Pure builders of the sending domain's DNS records (SPF, DKIM, DMARC, MX and the provider's verification
 * TXT), from the plain strings a provider publishes. The component applies them inside `.apply` over the
 * provider's outputs; everything here is testable without Pulumi.
 *
 * Formats: SPF RFC 7208 (https://www.rfc-editor.org/rfc/rfc7208), DKIM key records RFC 6376 §3.6.1,
 * DMARC RFC 7489 §6.3 (https://www.rfc-editor.org/rfc/rfc7489#section-6.3), null MX RFC 7505.
 * Cloudflare wants TXT content quoted and names as FQDNs without a trailing dot
 * (https://developers.cloudflare.com/dns/manage-dns-records/reference/dns-record-types/#txt).
 */

export type EmailProvider = "scaleway-tem" | "brevo";
export type DmarcPolicy = "none" | "quarantine" | "reject";
export type SpfAll = "-all" | "~all";
export type RecordPurpose = "spf" | "dkim" | "dmarc" | "mx" | "verification";

/** One DNS record as it is declared in the Cloudflare zone. Contains no secret. */
export interface PlannedRecord {
  /** Stable key of the record, used in the resource name: `spf`, `dmarc`, `dkim-<selector>`, `mx`, `verification`. */
  key: string;
  purpose: RecordPurpose;
  /** FQDN, lower case, no trailing dot. */
  name: string;
  type: "TXT" | "MX";
  /** TXT: the quoted character-strings as Cloudflare stores them. MX: the exchange host (`.` for a null MX). */
  content: string;
  /** MX only. */
  priority?: number;
  ttl: number;
}

/** What a provider gives for a sending domain, as plain strings. */
export interface ProviderDnsValues {
  /** SPF terms to authorize the provider, e.g. `include:_spf.tem.scaleway.com` (TEM's `spfConfig`). */
  spfTerms: string;
  /** DKIM record name (FQDN, a trailing dot is accepted) and its tag list (`v=DKIM1; k=rsa; p=...`). */
  dkim: { name: string; value: string };
  /** The provider's MX (`"10 blackhole.tem.scaleway.com."`, TEM's `mxConfig`), or `null` for a null MX (RFC 7505). */
  mxConfig: string | null;
  /** Value of the provider's ownership TXT at the sending domain, when it needs one (Brevo). */
  verification?: string;
}

export interface RecordPolicy {
  /** The sending domain (FQDN). */
  domain: string;
  dmarc: DmarcRecordInput;
  /** How the SPF record ends: `-all` (the default, required in prod) or `~all` (staging only). */
  spfAll: SpfAll;
  /** TTL of every record, seconds. */
  ttl: number;
}

export interface DmarcRecordInput {
  policy: DmarcPolicy;
  /** Aggregate report URIs (`mailto:...`). */
  rua: string[];
  /** Subdomain policy; defaults to `policy`. */
  subdomainPolicy?: DmarcPolicy;
  /** DKIM / SPF identifier alignment: relaxed (`r`, default) or strict (`s`). */
  adkim?: "r" | "s";
  aspf?: "r" | "s";
}

/** The longest character-string a TXT record can carry (RFC 1035 §3.3: one length octet). */
export const TXT_CHUNK_MAX = 255;

/** `name.` -> `name`, lower case. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

/**
 * Quotes a TXT value for Cloudflare, split into character-strings of at most 255 bytes: a 2048-bit DKIM key
 * does not fit in one (https://www.rfc-editor.org/rfc/rfc6376#section-3.6.2.2). Receivers join the strings
 * without a separator.
 */
export function quoteTxt(value: string, chunk = TXT_CHUNK_MAX): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`TXT value must be printable ASCII, got ${JSON.stringify(value)}`);
  const parts: string[] = [];
  for (let i = 0; i < value.length || parts.length === 0; i += chunk) parts.push(value.slice(i, i + chunk));
  return parts.map((p) => `"${p.replace(/(["\\])/g, "\\$1")}"`).join(" ");
}

/** The character-strings of quoted TXT content (`"a" "b"` -> `["a", "b"]`); unquoted content is one string. */
export function unquoteTxt(content: string): string[] {
  const text = content.trim();
  if (!text.startsWith('"')) return [text];
  const parts: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"\s*/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text)) !== null) {
    parts.push(m[1].replace(/\\(.)/g, "$1"));
    end = re.lastIndex;
  }
  if (end !== text.length) throw new Error(`TXT content has unbalanced quotes: ${content}`);
  return parts;
}

/** `"10 blackhole.tem.scaleway.com."` -> `{ priority: 10, host: "blackhole.tem.scaleway.com" }`. */
export function parseMxConfig(mx: string): { priority: number; host: string } {
  const m = /^\s*(\d{1,5})\s+(\S+)\s*$/.exec(mx);
  if (!m) throw new Error(`MX value must be "<priority> <host>", got ${JSON.stringify(mx)}`);
  const priority = Number(m[1]);
  if (priority > 65535) throw new Error(`MX priority must be <= 65535, got ${priority}`);
  const host = m[2] === "." ? "." : normalizeName(m[2]);
  return { priority, host };
}

/**
 * The SPF record of the sending domain: `v=spf1 <provider terms> -all`. The provider's value may be the bare
 * terms (TEM's `spfConfig`) or a full record (`v=spf1 ... -all`, TEM's `spfValue`): its own `all` is replaced by
 * ours, so the ending is always decided here.
 */
export function buildSpf(providerTerms: string, all: SpfAll): string {
  const terms = providerTerms
    .trim()
    .split(/\s+/)
    .filter((t) => t.length > 0 && t.toLowerCase() !== "v=spf1" && !/^[-~?+]?all$/i.test(t));
  if (terms.length === 0) throw new Error(`SPF terms of the provider are empty, got ${JSON.stringify(providerTerms)}`);
  return ["v=spf1", ...terms, all].join(" ");
}

/** `v=DMARC1; p=quarantine; sp=quarantine; np=quarantine; adkim=r; aspf=r; rua=mailto:a,mailto:b` (RFC 7489 §6.4: v first, p second). */
export function buildDmarc(input: DmarcRecordInput): string {
  if (input.rua.length === 0) throw new Error("DMARC rua must list at least one mailto: URI");
  const tags = [
    "v=DMARC1",
    `p=${input.policy}`,
    `sp=${input.subdomainPolicy ?? input.policy}`,
    // DMARCbis: policy for non-existent subdomains (receivers without np support ignore it).
    `np=${input.subdomainPolicy ?? input.policy}`,
    `adkim=${input.adkim ?? "r"}`,
    `aspf=${input.aspf ?? "r"}`,
    `rua=${input.rua.join(",")}`,
  ];
  return tags.join("; ");
}

/**
 * A DKIM key record from what the provider shows: a full tag list (`v=DKIM1; k=rsa; p=...`) is kept as is
 * (whitespace inside the key removed); a bare base64 key becomes `v=DKIM1; k=rsa; p=<key>`.
 */
export function buildDkim(value: string): string {
  const v = value.trim().replace(/^"|"$/g, "");
  if (/(^|;)\s*p\s*=/.test(v)) {
    return v
      .split(";")
      .map((t) => t.trim())
      .filter((t) => t.length > 0)
      .map((t) => {
        const eq = t.indexOf("=");
        if (eq < 0) return t;
        const k = t.slice(0, eq).trim();
        const val = t.slice(eq + 1).trim();
        return `${k}=${k === "p" ? val.replace(/\s+/g, "") : val}`;
      })
      .join("; ");
  }
  return `v=DKIM1; k=rsa; p=${v.replace(/\s+/g, "")}`;
}

/** The DKIM selector of `<selector>._domainkey.<domain>`, or undefined when the name is not under `domain`. */
export function dkimSelector(dkimName: string, domain: string): string | undefined {
  const name = normalizeName(dkimName);
  const suffix = `._domainkey.${normalizeName(domain)}`;
  if (!name.endsWith(suffix)) return undefined;
  const selector = name.slice(0, -suffix.length);
  return selector.length > 0 ? selector : undefined;
}

/** Resource-name key of a DKIM record: `dkim-<selector>` with the selector reduced to name-safe characters. */
export function dkimKey(selector: string): string {
  return `dkim-${selector.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
}

/** Brevo's ownership TXT: `brevo-code:<code>` (a value already carrying its prefix is kept). */
export function brevoVerification(code: string): string {
  const c = code.trim();
  return /^(brevo|sendinblue)-code:/.test(c) ? c : `brevo-code:${c}`;
}

/**
 * Every record of the sending domain, in a stable order (spf, dkim, dmarc, mx, verification). Names are
 * FQDNs without trailing dots, TXT contents quoted, MX split into priority and host.
 */
export function planRecords(values: ProviderDnsValues, policy: RecordPolicy): PlannedRecord[] {
  const domain = normalizeName(policy.domain);
  const ttl = policy.ttl;
  const dkimName = normalizeName(values.dkim.name);
  const selector = dkimSelector(dkimName, domain) ?? dkimName.split(".")[0];
  const records: PlannedRecord[] = [
    { key: "spf", purpose: "spf", name: domain, type: "TXT", content: quoteTxt(buildSpf(values.spfTerms, policy.spfAll)), ttl },
    { key: dkimKey(selector), purpose: "dkim", name: dkimName, type: "TXT", content: quoteTxt(buildDkim(values.dkim.value)), ttl },
    { key: "dmarc", purpose: "dmarc", name: `_dmarc.${domain}`, type: "TXT", content: quoteTxt(buildDmarc(policy.dmarc)), ttl },
  ];
  // RFC 7505: a domain that receives no mail publishes "0 ." so that bounces to it fail fast.
  const mx = values.mxConfig === null ? { priority: 0, host: "." } : parseMxConfig(values.mxConfig);
  records.push({ key: "mx", purpose: "mx", name: domain, type: "MX", content: mx.host, priority: mx.priority, ttl });
  if (values.verification !== undefined) {
    records.push({ key: "verification", purpose: "verification", name: domain, type: "TXT", content: quoteTxt(values.verification), ttl });
  }
  return records;
}
