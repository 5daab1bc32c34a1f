import { cpSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

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
