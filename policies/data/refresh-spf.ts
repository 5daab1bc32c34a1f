/**
 * Refreshes data/spf-includes.json from live DNS: follows every include/redirect of the listed roots
 * and stores their TXT records with today's date. Run on a machine with DNS: `npm run refresh-spf -w policies`.
 */
import { promises as dns } from "node:dns";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const file = join(__dirname, "spf-includes.json");

async function main(): Promise<void> {
  const current = JSON.parse(readFileSync(file, "utf8")) as { records: Record<string, string[]> };
  const queue = Object.keys(current.records);
  const records: Record<string, string[]> = {};
  while (queue.length) {
    const name = queue.shift()!;
    if (records[name]) continue;
    const txt = (await dns.resolveTxt(name)).map((chunks) => chunks.join(""));
    const spf = txt.filter((t) => /^v=spf1(\s|$)/i.test(t));
    records[name] = spf;
    for (const r of spf) for (const m of r.matchAll(/\b(?:include:|redirect=)([^\s]+)/gi)) queue.push(m[1].toLowerCase());
  }
  const takenAt = new Date().toISOString().slice(0, 10);
  writeFileSync(
    file,
    JSON.stringify({ takenAt, standIn: false, note: `Resolved from live DNS on ${takenAt} by data/refresh-spf.ts.`, sources: ["live DNS"], records }, null, 2) + "\n",
  );
  console.log(`wrote ${Object.keys(records).length} records to ${file}`);
}

main().catch((e: Error) => {
  console.error(`refresh-spf failed: ${e.message}`);
  process.exit(1);
});
