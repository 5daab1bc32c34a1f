import { readFileSync } from "node:fs";

/**
 * The parts of the State's design system (`@gouvfr/dsfr`, https://www.systeme-de-design.gouv.fr/) the
 * pages use, as paths inside the package. Only these are served, so a first visit stays small.
 * In development and tests they are read from node_modules; the bundle (scripts/build.ts) replaces
 * this module with one that carries the same files inline, since the image ships no node_modules.
 */
export const DSFR_CSS_FILES = [
  "dist/core/core.main.min.css",
  "dist/component/skiplink/skiplink.main.min.css",
  "dist/component/logo/logo.main.min.css",
  "dist/component/header/header.main.min.css",
  "dist/component/footer/footer.main.min.css",
  "dist/component/link/link.main.min.css",
  "dist/component/button/button.main.min.css",
  "dist/component/form/form.main.min.css",
  "dist/component/input/input.main.min.css",
  "dist/component/alert/alert.main.min.css",
  "dist/component/notice/notice.main.min.css",
  "dist/component/card/card.main.min.css",
  "dist/component/badge/badge.main.min.css",
] as const;

/** Marianne in the three weights the components use (400 text, 500 buttons, 700 titles), woff2 only. */
export const DSFR_FONT_FILES = ["dist/fonts/Marianne-Regular.woff2", "dist/fonts/Marianne-Medium.woff2", "dist/fonts/Marianne-Bold.woff2"] as const;

/** The icons the CSS above may reference (loaded by the browser only when a rule using one applies). */
export const DSFR_ICON_DIR = "dist/icons/";

/** One file of the package, by its path inside the package. */
export function loadDsfrFile(path: string): Buffer {
  return readFileSync(require.resolve(`@gouvfr/dsfr/${path}`));
}
