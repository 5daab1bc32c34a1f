/**
 * Vendored copies of the email providers' SPF include chains (data/spf/<provider>.json): the DNS records a
 * receiver fetches when it follows `include:_spf.tem.scaleway.com` or `include:spf.brevo.com`. The one copy
 * read by the offline plan (tools/plan/email: the verdict's resolver) and by the policy pack
 * (policies `email-spf-lookups`), so the worst-case lookup count of the planned SPF record is computed
 * without the network, the same way on both sides. Each file says when and where it was taken;
 * `refresh.ts` re-takes it from DNS.
 */
import { z } from "zod";
import brevo from "./brevo.json";
import scalewayTem from "./scaleway-tem.json";

const rrsets = z.strictObject({
  TXT: z.array(z.string()).optional(),
  A: z.array(z.string()).optional(),
  AAAA: z.array(z.string()).optional(),
  MX: z.array(z.strictObject({ priority: z.number().int().min(0), exchange: z.string() })).optional(),
});

export const spfChainSchema = z.strictObject({
  provider: z.string().min(1),
  /** The name the sending domain's SPF record includes. */
  include: z.string().min(1),
  /** Day the records were taken (YYYY-MM-DD). */
  takenAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a YYYY-MM-DD date"),
  /** True when the records are a model of the published ones rather than a copy: the verdict warns. */
  standIn: z.boolean(),
  note: z.string().optional(),
  sources: z.array(z.strictObject({ url: z.string().min(1), says: z.string().min(1) })).min(1),
  /** Zones the copy is complete for: a name inside them that is not listed does not exist (NXDOMAIN). */
  zones: z.array(z.string().min(1)),
  /** Name (FQDN, no trailing dot) -> records by type. */
  records: z.record(z.string(), rrsets),
});
export type SpfChain = z.infer<typeof spfChainSchema>;

/** Parses a chain file; the message names the file and the field. */
export function parseSpfChain(raw: unknown, source: string): SpfChain {
  const r = spfChainSchema.safeParse(raw);
  if (!r.success) {
    throw new Error(`${source}: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`);
  }
  return r.data;
}

/** The providers a chain is vendored for, and the file each lives in (relative to the repository root). */
export const SPF_CHAIN_FILES = { "scaleway-tem": "data/spf/scaleway-tem.json", brevo: "data/spf/brevo.json" } as const;
export type SpfProvider = keyof typeof SPF_CHAIN_FILES;

export const VENDORED_SPF_CHAINS: Readonly<Record<SpfProvider, SpfChain>> = {
  "scaleway-tem": parseSpfChain(scalewayTem, SPF_CHAIN_FILES["scaleway-tem"]),
  brevo: parseSpfChain(brevo, SPF_CHAIN_FILES.brevo),
};

export type SpfRecordSets = SpfChain["records"][string];

/**
 * Every vendored name with its record sets, all chains merged (names are lower case, no trailing dot).
 * Two chains that disagree on a name are refused: a resolver could not answer both.
 */
export function vendoredSpfRecords(chains: readonly SpfChain[] = Object.values(VENDORED_SPF_CHAINS)): Readonly<Record<string, SpfRecordSets>> {
  const out: Record<string, SpfRecordSets> = {};
  for (const chain of chains) {
    for (const [name, sets] of Object.entries(chain.records)) {
      const key = name.toLowerCase().replace(/\.$/, "");
      if (out[key] && JSON.stringify(out[key]) !== JSON.stringify(sets)) {
        throw new Error(`data/spf: ${key} is vendored twice with different records (${chain.provider} and another chain): keep one`);
      }
      out[key] = sets;
    }
  }
  return out;
}
