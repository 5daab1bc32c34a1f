import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const BUNDLE = join(__dirname, "..", "dist", "server.js");

export interface Proc {
  child: ChildProcess;
  stdout: string[];
  stderr: string;
  /** resolves with the first stdout line matching re */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/**
 * Runs the built bundle (the file the Dockerfile ships) with exactly the given environment, plus
 * SHUTDOWN_DRAIN_MS=0 unless given: the production drain (16 s of /readyz 503 before closing, for the
 * load balancers' checks) has no load balancer to wait for here; readyz.test.ts tests it.
 */
export function runBundle(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [BUNDLE, ...args], {
    env: { PATH: process.env.PATH ?? "", SHUTDOWN_DRAIN_MS: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  let buf = "";
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString("utf8");
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      stdout.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const proc: Proc = {
    child,
    stdout,
    stderr: "",
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
    waitFor(re, timeoutMs = 15000) {
      const found = stdout.find((l) => re.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timeout waiting for ${re} in:\n${stdout.join("\n")}\n${proc.stderr}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
  child.stderr!.on("data", (d: Buffer) => (proc.stderr += d.toString("utf8")));
  return proc;
}

export async function until(check: () => Promise<boolean>, timeoutMs = 15000, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error("condition not met in time");
}
