/**
 * `npm run release -- <args>` as the workflow runs it: tsx, a separate process, with `env` only
 * (plus PATH, HOME and TMPDIR, so the child writes where the test run's temporary directory is,
 * testing/tmp-guard.js). Killed after a minute so a hung release never hangs the suite.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

export interface ReleaseCliResult {
  code: number | null;
  /** stdout and stderr, interleaved as they came */
  out: string;
  ms: number;
}

export function releaseCli(args: string[], env: Record<string, string>): Promise<ReleaseCliResult> {
  const t0 = Date.now();
  const inherited: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
  if (process.env.TMPDIR !== undefined) inherited.TMPDIR = process.env.TMPDIR;
  return new Promise((resolve) => {
    const child = spawn(TSX, [join(ROOT, "tools", "release", "release.ts"), ...args], {
      cwd: ROOT,
      env: { ...inherited, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: Date.now() - t0 });
    });
  });
}
