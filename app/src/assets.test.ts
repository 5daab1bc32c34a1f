import { assetsByName, designSystemAssets, script, stylesheet } from "./assets";
import { DSFR_FONT_FILES, loadDsfrFile } from "./dsfr-files";

describe("the stylesheet's assets", () => {
  const refs = [...stylesheet.body.toString("utf8").matchAll(/url\((["']?)(.*?)\1\)/g)].map((m) => m[2]!);

  test("every url() is a hashed asset the app serves: no data: URL (img-src 'self'), nothing from the package's paths", () => {
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^\/assets\/[A-Za-z0-9_-]+\.[0-9a-f]{10}\.(svg|woff2)$/);
      expect(assetsByName.has(ref.slice("/assets/".length))).toBe(true);
    }
  });

  test("fonts: the three Marianne weights listed, woff2 only, and no @font-face left without its file", () => {
    const fonts = refs.filter((r) => r.endsWith(".woff2")).map((r) => r.split("/").pop()!.replace(/\.[0-9a-f]{10}\.woff2$/, ""));
    expect(new Set(fonts)).toEqual(new Set(DSFR_FONT_FILES.map((f) => f.split("/").pop()!.replace(/\.woff2$/, ""))));
    const faces = stylesheet.body.toString("utf8").match(/@font-face\{[^}]*\}/g) ?? [];
    expect(faces).toHaveLength(DSFR_FONT_FILES.length);
    expect(stylesheet.body.toString("utf8")).not.toMatch(/\.woff\)/);
  });

  test("a data: SVG becomes a file with the decoded SVG", () => {
    const css = '.x{background:url("data:image/svg+xml;charset=utf-8,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E")}';
    const { files } = designSystemAssets((path) => (path.endsWith(".css") && path.includes("core") ? Buffer.from(css) : loadDsfrFile(path)));
    const svg = files.find((f) => f.name.startsWith("img."));
    expect(svg?.body.toString("utf8")).toBe("<svg xmlns='http://www.w3.org/2000/svg'/>");
    expect(svg?.contentType).toBe("image/svg+xml");
  });

  test("the script and the stylesheet keep their names (app.<hash>.js/css)", () => {
    expect(stylesheet.name).toMatch(/^app\.[0-9a-f]{10}\.css$/);
    expect(script.name).toMatch(/^app\.[0-9a-f]{10}\.js$/);
  });
});
