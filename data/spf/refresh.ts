/**
 * Re-takes a provider's SPF include chain from live DNS and rewrites its vendored copy (data/spf/<provider>.json),
 * so the offline plan's email verdict and the policy pack count the lookups of the records receivers really fetch.
 * Run by an operator on a machine with DNS, never by the tests:
 *
 *   npx tsx data/spf/refresh.ts scaleway-tem          # print what would be written
 *   npx tsx data/spf/refresh.ts scaleway-tem --write  # rewrite data/spf/scaleway-tem.json
 *   npx tsx data/spf/refresh.ts all --write           # every provider
 *
 * It follows include:, redirect=, a, mx and exists terms (RFC 7208 §5) up to 30 names, keeps the
 * documentation sources already in the file, and refuses to replace a copy with an empty chain (a
 * filtered resolver answers NXDOMAIN).
 */
import { promises as dns } from "node:dns";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseSpfChain, SPF_CHAIN_FILES, type SpfChain, type SpfProvider } from "./index";

type Sets = SpfChain["records"][string];

async function answer<T>(query: () => Promise<T>): Promise<T | undefined> {
  try {
    return await query();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTFOUND" || code === "ENODATA") return undefined;
    throw e;
  }
}

/** Names an SPF record makes a receiver look up, with the record type it asks for. */
export function spfTargets(record: string, self: string): { name: string; type: "TXT" | "A" | "MX" }[] {
  const out: { name: string; type: "TXT" | "A" | "MX" }[] = [];
  for (const term of record.trim().split(/\s+/).slice(1)) {
    const t = term.replace(/^[-~?+]/, "");
    const m = /^(include|exists|a|mx):([^/]+)/i.exec(t) ?? /^(redirect)=(.+)$/i.exec(t);
    if (m) {
      const kind = m[1].toLowerCase();
      const name = m[2].replace(/\.$/, "").toLowerCase();
      if (name.includes("%")) continue; // macros depend on the message: not vendorable
      out.push({ name, type: kind === "include" || kind === "redirect" ? "TXT" : kind === "mx" ? "MX" : "A" });
    } else if (/^(a|mx)(\/\d+)?$/i.test(t)) {
      out.push({ name: self, type: t.toLowerCase().startsWith("mx") ? "MX" : "A" });
    }
  }
  return out;
}

export async function takeChain(root: string, limit = 30): Promise<Record<string, Sets>> {
  const records: Record<string, Sets> = {};
  const queue: { name: string; type: "TXT" | "A" | "MX" }[] = [{ name: root, type: "TXT" }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { name, type } = queue.shift()!;
    if (seen.has(`${type} ${name}`)) continue;
    seen.add(`${type} ${name}`);
    if (seen.size > limit) throw new Error(`the chain of ${root} asks for more than ${limit} names: stopped`);
    const sets: Sets = (records[name] ??= {});
    if (type === "TXT") {
      const txt = (await answer(() => dns.resolveTxt(name)))?.map((chunks) => chunks.join("")) ?? [];
      sets.TXT = txt;
      for (const spf of txt.filter((t) => /^v=spf1(\s|$)/i.test(t))) queue.push(...spfTargets(spf, name));
    } else if (type === "MX") {
      const mx = (await answer(() => dns.resolveMx(name))) ?? [];
      sets.MX = mx.map((m) => ({ priority: m.priority, exchange: m.exchange }));
      for (const m of mx) queue.push({ name: m.exchange.toLowerCase(), type: "A" });
    } else {
      sets.A = (await answer(() => dns.resolve4(name))) ?? [];
      sets.AAAA = (await answer(() => dns.resolve6(name))) ?? [];
    }
  }
  return records;
}

async function refresh(provider: SpfProvider, write: boolean): Promise<void> {
  const path = join(__dirname, "..", "..", SPF_CHAIN_FILES[provider]);
  const current = parseSpfChain(JSON.parse(readFileSync(path, "utf8")), SPF_CHAIN_FILES[provider]);
  const records = await takeChain(current.include);
  // A filtered or offline resolver answers NXDOMAIN: never replace the copy with an empty chain.
  if (!(records[current.include]?.TXT ?? []).some((t) => /^v=spf1(\s|$)/i.test(t))) {
    throw new Error(`no SPF record at ${current.include} from resolvers ${dns.getServers().join(", ")}: DNS here may be filtered; ${SPF_CHAIN_FILES[provider]} left unchanged`);
  }
  const today = new Date().toISOString().slice(0, 10);
  const next: SpfChain = {
    ...current,
    takenAt: today,
    standIn: false,
    note: `Taken from DNS (resolvers ${dns.getServers().join(", ")}) on ${today} by data/spf/refresh.ts.`,
    sources: [
      ...current.sources.filter((s) => !s.url.startsWith("dns:")),
      { url: `dns:${current.include}`, says: `TXT/A/MX answers for the ${Object.keys(records).length} names of the chain on ${today}` },
    ],
    zones: [],
    records,
  };
  const text = `${JSON.stringify(parseSpfChain(next, "refreshed chain"), null, 2)}\n`;
  if (write) {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${SPF_CHAIN_FILES[provider]}\n`);
  } else {
    process.stdout.write(text);
  }
}

async function main(): Promise<void> {
  const [which, flag] = process.argv.slice(2);
  const providers = Object.keys(SPF_CHAIN_FILES) as SpfProvider[];
  if (!which || (which !== "all" && !(providers as string[]).includes(which))) {
    throw new Error(`usage: npx tsx data/spf/refresh.ts <${providers.join("|")}|all> [--write]`);
  }
  for (const provider of which === "all" ? providers : [which as SpfProvider]) await refresh(provider, flag === "--write");
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
