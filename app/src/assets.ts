import { createHash } from "node:crypto";
import { posix } from "node:path";
import { DSFR_CSS_FILES, DSFR_FONT_FILES, loadDsfrFile } from "./dsfr-files";
import { ENHANCE_SCRIPT } from "./pages/enhance-script";

/**
 * Static assets live in the bundle and are served under a name carrying a hash of their content, so
 * the CDN and browsers may keep them forever (`immutable`): a new content is a new URL.
 * https://developers.cloudflare.com/cache/concepts/cache-control/#immutable
 *
 * The stylesheet is the design system's CSS (the files listed in dsfr-files.ts, in that order) then
 * ours. Every `url()` in it is rewritten to a hashed asset: the Marianne fonts we keep (woff2 only;
 * the other faces' @font-face rules are dropped, the browser synthesises them), the icons, and the
 * `data:` SVGs, which become files so the CSP can keep `img-src 'self'` without `data:`.
 */

export interface Asset {
  /** the hashed public name, e.g. app.3f9a1c0d2e.css */
  name: string;
  contentType: string;
  body: Buffer;
}

/** `<base>.<first 10 hex of sha256>.<ext>` */
export function hashedName(base: string, ext: string, body: Buffer | string): string {
  return `${base}.${createHash("sha256").update(body).digest("hex").slice(0, 10)}.${ext}`;
}

const CONTENT_TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  woff2: "font/woff2",
};

function asset(base: string, ext: string, body: Buffer): Asset {
  const contentType = CONTENT_TYPES[ext];
  if (!contentType) throw new Error(`no content type for .${ext} (${base})`);
  return { name: hashedName(base, ext, body), contentType, body };
}

/** Our additions to the design system: layout details it leaves to the service. */
const OWN_CSS = `
.renfort-form{max-width:36rem}
.renfort-missions{list-style:none;padding:0;margin:0}
.renfort-missions>li{padding:0;margin:0 0 1.5rem}
.renfort-filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}
.renfort-filters .fr-input-group{margin:0;flex:1 1 10rem}
.renfort-error-summary:focus{outline:2px solid #0a76f6;outline-offset:2px}
`;

export interface DesignSystemAssets {
  css: string;
  files: Asset[];
}

/**
 * The design system's CSS with its references made hashed assets. `load` reads a file of the
 * package by its path there (the bundle records which ones, scripts/build.ts).
 */
export function designSystemAssets(load: (path: string) => Buffer = loadDsfrFile): DesignSystemAssets {
  const fonts = new Set<string>(DSFR_FONT_FILES);
  const files = new Map<string, Asset>();
  const add = (a: Asset): Asset => {
    files.set(a.name, a);
    return a;
  };
  const parts = DSFR_CSS_FILES.map((cssPath) => {
    const dir = posix.dirname(cssPath);
    let text = load(cssPath).toString("utf8");
    // Faces we do not serve: drop the rule (fallback: the browser's synthesis of the nearest weight).
    text = text.replace(/@font-face\{[^}]*\}/g, (rule) => {
      const woff2 = /url\(["']?([^)"']+\.woff2)["']?\)/.exec(rule)?.[1];
      return woff2 && fonts.has(posix.join(dir, woff2)) ? rule : "";
    });
    // woff2 is supported by every browser the design system supports: the woff fallbacks go.
    text = text.replace(/,\s*url\(["']?[^)"']+\.woff["']?\)\s*format\(["']?woff["']?\)/g, "");
    text = text.replace(/url\((["']?)(.*?)\1\)/g, (_all, _q: string, ref: string) => {
      if (ref.startsWith("data:")) {
        const comma = ref.indexOf(",");
        const meta = ref.slice(5, comma);
        if (!meta.startsWith("image/svg+xml")) throw new Error(`${cssPath}: unexpected data URL type ${meta}`);
        const svg = meta.endsWith(";base64") ? Buffer.from(ref.slice(comma + 1), "base64") : Buffer.from(decodeURIComponent(ref.slice(comma + 1)), "utf8");
        return `url(/assets/${add(asset("img", "svg", svg)).name})`;
      }
      const path = posix.join(dir, ref.replace(/[?#].*$/, ""));
      const ext = posix.extname(path).slice(1);
      return `url(/assets/${add(asset(posix.basename(path, `.${ext}`), ext, load(path))).name})`;
    });
    return text;
  });
  return { css: `${parts.join("\n")}\n${OWN_CSS}`, files: [...files.values()] };
}

const designSystem = designSystemAssets();

export const stylesheet = asset("app", "css", Buffer.from(designSystem.css, "utf8"));
// Progressive enhancement of the forms: no inline script anywhere, so the CSP can forbid it.
export const script = asset("app", "js", Buffer.from(ENHANCE_SCRIPT, "utf8"));
export const assetsByName: ReadonlyMap<string, Asset> = new Map([stylesheet, script, ...designSystem.files].map((a) => [a.name, a]));
