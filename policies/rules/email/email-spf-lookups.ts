import { spf } from "../../../adapters/mailauth";
import { stackPolicy } from "../../lib/policy";
import { isSpf, parseSpf, plannedRecords, spfRecords, txtValue, type PlannedRecord } from "../../lib/email";
import { undecided } from "../../lib/unknown";
import { vendoredSpfRecords, type SpfRecordSets } from "../../../data/spf";

export interface Config {
  maxLookups: number;
  maxVoidLookups: number;
}

/** An address no SPF record authorises (TEST-NET-1), so evaluation walks every term: the worst case. */
const PROBE_IP = "192.0.2.1";
/** mailauth stops at the RFC limit; a higher limit lets it count how far above 10 a record goes. */
const COUNT_LIMIT = 50;

/** Vendored record sets by name (data/spf/<provider>.json, shared with the offline plan's email verdict). */
type Vendored = Readonly<Record<string, SpfRecordSets>>;

class NotFound extends Error {
  code = "ENOTFOUND";
}

/** In-memory resolver: the planned records plus the vendored include chains; never the network. */
function resolver(records: PlannedRecord[], extra: Vendored) {
  return async (domain: string, type: string): Promise<unknown[]> => {
    const name = domain.toLowerCase().replace(/\.$/, "");
    const planned = records.filter((r) => r.peekName === name && r.type === type && r.peekContent !== undefined);
    const vendored = extra[name];
    if (type === "TXT") {
      const values = [...planned.map((r) => txtValue(r.content)), ...(vendored?.TXT ?? [])];
      if (values.length) return values.map((v) => [v]);
    } else if (type === "MX") {
      const mx = [...planned.map((r) => ({ exchange: r.content, priority: r.priority ?? 10 })), ...(vendored?.MX ?? [])];
      if (mx.length) return mx;
    } else {
      const addresses = [...planned.map((r) => r.content), ...((type === "A" ? vendored?.A : type === "AAAA" ? vendored?.AAAA : undefined) ?? [])];
      if (addresses.length) return addresses;
    }
    throw new NotFound(`${name} ${type}`);
  };
}

/** Domains an SPF tree includes that neither the plan nor the vendored data can answer. */
function missingIncludes(root: string, records: PlannedRecord[], extra: Vendored): string[] {
  const seen = new Set<string>();
  const missing: string[] = [];
  const walk = (value: string) => {
    for (const t of parseSpf(value).terms) {
      if (!((t.name === "include" && !t.modifier) || (t.name === "redirect" && t.modifier)) || !t.value) continue;
      const d = t.value.toLowerCase().replace(/\.$/, "");
      if (seen.has(d) || d.includes("%{")) continue;
      seen.add(d);
      const txt = [...records.filter((r) => r.peekName === d && r.type === "TXT" && r.peekContent !== undefined).map((r) => txtValue(r.content)), ...(extra[d]?.TXT ?? [])].filter(isSpf);
      if (!txt.length) missing.push(d);
      else txt.forEach(walk);
    }
  };
  walk(root);
  return missing;
}

/**
 * RFC 7208 §4.6.4 caps an SPF evaluation at 10 DNS-querying terms (and 2 void lookups); above that every
 * receiver returns permerror. Counted with mailauth over the planned records and the providers' include
 * chains vendored in data/spf/<provider>.json (the copy the offline plan's email verdict reads too), so the
 * check needs no network.
 */
export const emailSpfLookups = stackPolicy<Config>(
  {
    name: "email-spf-lookups",
    description: "Every SPF record stays within the DNS lookup limit (10, or a stricter configured margin) and the void lookup limit, counting the providers' include chains.",
    severity: "high",
    remediationSteps:
      "Remove includes of senders you do not use, replace a/mx with ip4/ip6 ranges, or move a sender to a subdomain; vendor a new provider's chain in data/spf/<provider>.json (npx tsx data/spf/refresh.ts).",
    url: "https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4",
    configSchema: {
      properties: {
        maxLookups: { type: "integer", minimum: 1, maximum: 10, default: 10, description: "DNS-querying terms allowed (RFC limit 10; lower keeps a margin)." },
        maxVoidLookups: { type: "integer", minimum: 0, maximum: 2, default: 2, description: "Lookups with no answer allowed (RFC limit 2)." },
      },
    },
  },
  async ({ resources, config, report }) => {
    const records = plannedRecords(resources);
    const extra = vendoredSpfRecords();
    for (const rec of spfRecords(records)) {
      const value = txtValue(rec.content);
      const missing = missingIncludes(value, records, extra);
      if (missing.length)
        undecided(`the SPF record of ${rec.name} includes ${missing.join(", ")}, whose records are not vendored: add the provider's chain as data/spf/<provider>.json and list it in data/spf/index.ts (npx tsx data/spf/refresh.ts <provider> --write)`);
      const result = await spf({
        sender: `postmaster@${rec.name}`,
        ip: PROBE_IP,
        helo: rec.name,
        mta: "renfort-policy-check",
        maxResolveCount: COUNT_LIMIT,
        maxVoidCount: COUNT_LIMIT,
        resolver: resolver(records, extra) as never,
      });
      const count = result.lookups?.count ?? 0;
      const voids = result.lookups?.void ?? 0;
      if (count > config.maxLookups)
        report(`the SPF record of ${rec.name} needs ${count} DNS lookups (including the providers' include chains), above ${config.maxLookups}: remove includes or use ip4/ip6.`, rec.resource.urn);
      if (voids > config.maxVoidLookups)
        report(`the SPF record of ${rec.name} makes ${voids} lookups that return nothing, above ${config.maxVoidLookups}: remove the terms that point at names without records.`, rec.resource.urn);
    }
  },
);
