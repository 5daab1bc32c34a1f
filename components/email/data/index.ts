/**
 * Vendored copies of the providers' SPF include chains: the DNS records a receiver fetches when it follows
 * `include:_spf.tem.scaleway.com` or `include:spf.brevo.com`. The offline validator answers those names
 * from here, so the worst-case lookup count of the planned SPF record is computed without the network.
 * Each file says when and where it was taken; `refresh.ts` re-takes it from DNS.
 */
import { z } from "zod";
import brevo from "./brevo-spf.json";
import scalewayTem from "./scaleway-tem-spf.json";

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

export const VENDORED_SPF_CHAINS: Readonly<Record<"scaleway-tem" | "brevo", SpfChain>> = {
  "scaleway-tem": parseSpfChain(scalewayTem, "components/email/data/scaleway-tem-spf.json"),
  brevo: parseSpfChain(brevo, "components/email/data/brevo-spf.json"),
};
