import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

/**
 * An embedded PostgreSQL for development and tests without a server: PGlite (PostgreSQL compiled
 * to wasm) behind pglite-socket, which speaks the wire protocol on a local TCP port, so the app
 * uses the very same `pg` code path as in production. It runs in a child process
 * (scripts/pglite-server.mjs). PGlite executes one query at a time; the socket server multiplexes
 * connections and keeps each transaction's statements together.
 * https://pglite.dev/docs/pglite-socket
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: { dataDir?: string } = {}): Promise<EmbeddedPostgres> {
  const script = join(__dirname, "..", "scripts", "pglite-server.mjs");
  if (!existsSync(script)) throw new Error(`embedded PostgreSQL not available in this build (${script} missing): set DATABASE_URL`);
  const child = spawn(process.execPath, [script], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, ...(opts.dataDir ? { PGLITE_DATA_DIR: opts.dataDir } : {}) },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (line) => {
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch (err) {
        reject(err as Error);
      }
    });
    child.once("exit", (code) => reject(new Error(`embedded PostgreSQL exited early (code ${code})`)));
  });
  // Do not keep the parent alive for it (a test runner must be able to exit); the child stops by
  // itself when its stdin closes, i.e. when the parent is gone.
  child.unref();
  for (const s of [child.stdin, child.stdout] as unknown as Array<{ unref?: () => void } | null>) s?.unref?.();
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
