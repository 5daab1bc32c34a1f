/** Parsing of the email-authentication TXT records the program plans (SPF, DKIM, DMARC). */
import type { PolicyResource } from "@pulumi/policy";
import { T, fqdn, type DnsRecordProps } from "./types";
import { isUnknown, peek, undecided } from "./unknown";

/** TXT content as Cloudflare stores it: one or more quoted chunks ("a" "b"), or bare text. */
export function txtChunks(content: string): string[] {
  const t = content.trim();
  if (!t.startsWith('"')) return [t];
  return [...t.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, "$1"));
}

export function txtValue(content: string): string {
  return txtChunks(content).join("");
}

export interface PlannedRecord {
  resource: PolicyResource;
  type: string;
  /** Read through the unknown proxy: throws (undecided) when the name is computed at deployment. */
  name: string;
  content: string;
  priority?: number;
  /** The name or content without tripping the proxy; undefined when only known after deployment. */
  peekName: string | undefined;
  peekContent: string | undefined;
}

const known = (v: unknown): string | undefined => (typeof v === "string" && !isUnknown(v) ? v : undefined);

/**
 * The DNS records the stack plans in Cloudflare. Only the type is read up front; name and content are
 * read when a policy needs them, so an unknown DKIM name (a provider output) does not make every email
 * policy undecided.
 */
export function plannedRecords(resources: readonly PolicyResource[]): PlannedRecord[] {
  return resources
    .filter((r) => (T.cfDnsRecord as readonly string[]).includes(r.type))
    .map((r) => {
      const p = r.props as Partial<DnsRecordProps>;
      const peekName = known(peek(r.props, "name"));
      return {
        resource: r,
        type: String(p.type).toUpperCase(),
        get name() {
          return fqdn(String(p.name));
        },
        get content() {
          return String(p.content ?? "");
        },
        get priority() {
          return p.priority;
        },
        peekName: peekName === undefined ? undefined : fqdn(peekName),
        peekContent: known(peek(r.props, "content")),
      };
    });
}

export const isSpf = (value: string) => /^v=spf1(\s|$)/i.test(value.trim());
export const isDmarc = (value: string) => /^v=DMARC1\s*(;|$)/i.test(value.trim());

export interface SpfTerm {
  qualifier: "+" | "-" | "~" | "?";
  name: string;
  value?: string;
  raw: string;
  modifier: boolean;
}

const MECHANISMS = ["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"];

/** Terms of an SPF record (RFC 7208 §4.6.1); `errors` lists what makes it a permerror. */
export function parseSpf(value: string): { terms: SpfTerm[]; errors: string[] } {
  const parts = value.trim().split(/\s+/).slice(1);
  const terms: SpfTerm[] = [];
  const errors: string[] = [];
  for (const raw of parts) {
    const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(raw);
    if (mod) {
      terms.push({ qualifier: "+", name: mod[1].toLowerCase(), value: mod[2], raw, modifier: true });
      continue;
    }
    const m = /^([+\-~?]?)([a-z0-9]+)(?:[:/](.*))?$/i.exec(raw);
    if (!m || !MECHANISMS.includes(m[2].toLowerCase())) {
      errors.push(`unknown term "${raw}"`);
      continue;
    }
    terms.push({ qualifier: (m[1] || "+") as SpfTerm["qualifier"], name: m[2].toLowerCase(), value: m[3], raw, modifier: false });
  }
  for (const n of ["redirect", "exp"]) if (terms.filter((t) => t.name === n && t.modifier).length > 1) errors.push(`more than one ${n}=`);
  return { terms, errors };
}

/** `tag=value` pairs of a DKIM or DMARC record (RFC 6376 §3.2 tag-list). */
export function tagList(value: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of value.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    m.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return m;
}

/** Names with an underscore label (`_dmarc.x`, `sel._domainkey.x`, `_acme-challenge.x`) are not hosts. */
export function hasServiceLabel(name: string): boolean {
  return name.split(".").some((l) => l.startsWith("_"));
}

/** The SPF records of the plan. A TXT record that may be one but is computed at deployment makes the caller undecided. */
export function spfRecords(records: readonly PlannedRecord[]): PlannedRecord[] {
  const out: PlannedRecord[] = [];
  for (const r of records.filter((x) => x.type === "TXT")) {
    if (r.peekName !== undefined && hasServiceLabel(r.peekName)) continue;
    if (r.peekContent !== undefined && !isSpf(txtValue(r.peekContent))) continue;
    if (r.peekContent === undefined) undecided(`the TXT record ${r.resource.name} is computed at deployment, so whether it is a valid SPF record cannot be checked before`);
    if (r.peekName === undefined) undecided(`the name of the SPF record ${r.resource.name} is computed at deployment`);
    out.push(r);
  }
  return out;
}

/** The DMARC records of the plan, with the same rule for records computed at deployment. */
export function dmarcRecords(records: readonly PlannedRecord[]): PlannedRecord[] {
  const out: PlannedRecord[] = [];
  for (const r of records.filter((x) => x.type === "TXT")) {
    if (r.peekName !== undefined && !r.peekName.startsWith("_dmarc.")) continue;
    if (r.peekContent !== undefined && !isDmarc(txtValue(r.peekContent))) continue;
    if (r.peekContent === undefined || r.peekName === undefined)
      undecided(`the TXT record ${r.resource.name} may be a DMARC record but its ${r.peekName === undefined ? "name" : "content"} is computed at deployment`);
    out.push(r);
  }
  return out;
}
