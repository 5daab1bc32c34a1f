import { gzipSync } from "node:zlib";
import { loadDsfrFile } from "../src/dsfr-files";
import { serve } from "../src/main";
import { chromiumInstalled, CHROMIUM_PATH, firstVisitWeight, launchChromium } from "../test/browser";

/**
 * `npm run page-weight -w app`: the bytes of a first visit (empty cache) to the signup page in
 * Chromium, compressed as the edge sends them, against the 300 kB budget. Starts the app on an
 * embedded PostgreSQL (or DATABASE_URL); exits 1 over budget. The browser test asserts the same.
 */
const BUDGET = 300_000;

async function main(): Promise<number> {
  if (!chromiumInstalled) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const running = await serve({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", ...process.env }, { migrate: true });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext()).newPage();
    const { lines, total } = await firstVisitWeight(page, `${running.url}/signup`);
    for (const l of lines) process.stdout.write(`${l.url.padEnd(46)} ${l.type.padEnd(16)} ${String(l.bytes).padStart(8)} B  ${String(l.compressed).padStart(7)} B\n`);
    process.stdout.write(`first visit to /signup: ${lines.length} responses, ${(total / 1000).toFixed(1)} kB compressed, budget ${BUDGET / 1000} kB (${((100 * total) / BUDGET).toFixed(0)} %)\n`);
    // same run: the whole design system's stylesheet, for what serving only the parts used saves
    const css = lines.find((l) => l.type === "text/css");
    const full = gzipSync(loadDsfrFile("dist/dsfr.min.css"), { level: 6 }).length;
    if (css) process.stdout.write(`stylesheet ${(css.compressed / 1000).toFixed(1)} kB gzip vs the whole dsfr.min.css ${(full / 1000).toFixed(1)} kB gzip: ratio ${(css.compressed / full).toFixed(2)}\n`);
    return total <= BUDGET ? 0 : 1;
  } finally {
    await browser.close();
    await running.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`page-weight: ${err.message}\n`);
    process.exit(2);
  },
);
