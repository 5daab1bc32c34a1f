import { cpSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";
import { designSystemAssets } from "../src/assets";
import { DSFR_CSS_FILES, DSFR_FONT_FILES, loadDsfrFile } from "../src/dsfr-files";

/**
 * The image ships no node_modules: src/dsfr-files.ts, which reads the design system's files from
 * the package, is replaced in the bundle by a module carrying the files the pages use inline
 * (the ones designSystemAssets asks for, recorded here), with the same exports.
 */
function inlineDesignSystem(): Plugin {
  const used = new Map<string, Buffer>();
  designSystemAssets((path) => {
    const body = loadDsfrFile(path);
    used.set(path, body);
    return body;
  });
  const files = Object.fromEntries([...used].map(([path, body]) => [path, body.toString("base64")]));
  const contents = `const FILES = ${JSON.stringify(files)};
export const DSFR_CSS_FILES = ${JSON.stringify(DSFR_CSS_FILES)};
export const DSFR_FONT_FILES = ${JSON.stringify(DSFR_FONT_FILES)};
export function loadDsfrFile(path) {
  const b64 = FILES[path];
  if (b64 === undefined) throw new Error("@gouvfr/dsfr/" + path + " is not in the bundle (scripts/build.ts)");
  return Buffer.from(b64, "base64");
}
`;
  return {
    name: "inline-design-system",
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]dsfr-files\.ts$/ }, () => ({ contents, loader: "js" }));
    },
  };
}

/**
 * Bundles the service into one file, dist/server.js, with its SQL migrations beside it in
 * dist/migrations: the Dockerfile copies exactly this, nothing from node_modules.
 * https://esbuild.github.io/api/#bundle
 */
export async function buildBundle(appDir: string = join(__dirname, "..")): Promise<string> {
  const dist = join(appDir, "dist");
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const outfile = join(dist, "server.js");
  await build({
    entryPoints: [join(appDir, "src", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    // The image runs Node 24 (Dockerfile). The suite also runs the bundle on Node 20 (app/test/bundle.test.ts,
    // this machine): today the node24 and node20 builds are byte-identical; should esbuild ever leave syntax
    // Node 20 cannot parse, that test fails first.
    target: "node24",
    format: "cjs",
    minify: false,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    // the optional native driver pg tries to load; the pure-JS client is what we use. (The embedded
    // PostgreSQL of development and tests runs from scripts/ in a child process and is not bundled:
    // the image needs DATABASE_URL.)
    external: ["pg-native"],
    plugins: [inlineDesignSystem()],
  });
  cpSync(join(appDir, "migrations"), join(dist, "migrations"), { recursive: true });
  return outfile;
}

if (require.main === module) {
  buildBundle().then(
    (file) => process.stdout.write(`built ${file} (${Math.round(statSync(file).size / 1024)} KiB)\n`),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
