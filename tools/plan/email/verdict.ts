/**
 * The email-authentication verdict of a planned stack. The Email component only exports the records it
 * declares (`outputs.email.records`, plain data); the plan judges them here, the way a receiving mail server
 * reads them (./validate.ts: mailauth over an in-memory resolver), so `pulumi up` computes no verdict.
 */
import type { PlannedRecord } from "../../../components/email/records";
import { VENDORED_SPF_CHAINS, type SpfChain } from "../../../data/spf";
import { isUnknown } from "../values";
import { validateEmailRecords, type EmailValidationVerdict, type Tier } from "./validate";

export interface EmailVerdictContext {
  /** The stack's tier: it decides the verdict's strictness. */
  tier: Tier;
  /** The Cloudflare zone the records live in: DMARC report addresses outside it get a warning. */
  zone?: string;
}

/** What the stack exports under `email` that the verdict reads. */
interface EmailOutput {
  domain: string;
  sender: string;
  records: PlannedRecord[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether a value, or anything inside it, is only known after deployment. */
function hasUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  return isObject(value) && Object.values(value).some(hasUnknown);
}

function emailOutput(value: unknown): EmailOutput | undefined {
  if (!isObject(value) || hasUnknown(value) || !Array.isArray(value.records)) return undefined;
  if (typeof value.domain !== "string" || typeof value.sender !== "string") return undefined;
  return { domain: value.domain, sender: value.sender, records: value.records as PlannedRecord[] };
}

/** The vendored chains the records' SPF terms include (`include:<chain.include>`): the ones a receiver follows. */
export function includedChains(records: readonly PlannedRecord[], chains: readonly SpfChain[] = Object.values(VENDORED_SPF_CHAINS)): SpfChain[] {
  const includes = new Set(
    records
      .filter((r) => r.purpose === "spf")
      .flatMap((r) => r.content.replace(/"/g, " ").split(/\s+/))
      .map((term) => /^[-~?+]?include:(.+)$/i.exec(term)?.[1]?.toLowerCase().replace(/\.$/, ""))
      .filter((d): d is string => d !== undefined),
  );
  return chains.filter((c) => includes.has(c.include.toLowerCase()));
}

/**
 * The verdict on the records a stack exports under `email` (`{ domain, sender, records }`), or undefined when
 * it exports none or they are only known after deployment (a preview against real providers).
 */
export async function emailVerdict(exported: unknown, ctx: EmailVerdictContext): Promise<EmailValidationVerdict | undefined> {
  const email = emailOutput(exported);
  if (!email) return undefined;
  return validateEmailRecords(email.records, {
    domain: email.domain,
    tier: ctx.tier,
    sender: email.sender,
    chains: includedChains(email.records),
    ...(ctx.zone ? { zone: ctx.zone } : {}),
  });
}
