import { existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";

/**
 * Debian's Chromium driven by playwright-core (no browser download). CHROMIUM_PATH overrides the
 * path. https://playwright.dev/docs/api/class-browsertype#browser-type-launch
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumInstalled = existsSync(CHROMIUM_PATH);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export interface TransferLine {
  url: string;
  type: string;
  bytes: number;
  /** gzip level 6 for text (an upper bound: the edge's brotli is smaller), as is for woff2 */
  compressed: number;
}

// page.evaluate's function runs in the page; the app's tsconfig has no DOM types
declare const document: { fonts: { ready: Promise<unknown> } };

const ALREADY_COMPRESSED = /^(font\/woff2|image\/(png|jpeg|webp|avif))/;

/**
 * Every response a first visit to `url` loads (empty cache), with its size compressed as the edge
 * sends it to browsers: text types compressed (counted with gzip -6, which is larger than the
 * brotli most browsers get), woff2 as is (already compressed).
 * https://developers.cloudflare.com/speed/optimization/content/compression/
 */
export async function firstVisitWeight(page: Page, url: string): Promise<{ lines: TransferLine[]; total: number }> {
  const lines: TransferLine[] = [];
  const pending: Promise<void>[] = [];
  page.on("response", (res) => {
    pending.push(
      res.body().then(
        (body) => {
          const type = res.headers()["content-type"] ?? "";
          const compressed = ALREADY_COMPRESSED.test(type) ? body.length : gzipSync(body, { level: 6 }).length;
          lines.push({ url: new URL(res.url()).pathname, type: type.split(";")[0]!, bytes: body.length, compressed });
        },
        () => undefined,
      ),
    );
  });
  await page.goto(url, { waitUntil: "load" });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await Promise.all(pending);
  return { lines, total: lines.reduce((s, l) => s + l.compressed, 0) };
}
