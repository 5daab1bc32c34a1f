import { execFile } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { onTeardown, scratchDir } from "../../testing/scratch";

/**
 * A private PostgreSQL cluster for fault tests that stop and start the server: the shared server
 * on 127.0.0.1:5432 is never restarted (other jobs use it). It runs the installed binaries
 * (initdb, pg_ctl) in a temporary directory on a free port, listening on 127.0.0.1 only, trust auth.
 * initdb and postgres refuse to run as root, so as root they run as the `postgres` user through
 * `runuser`, with the directory handed to that user.
 * https://www.postgresql.org/docs/current/app-pg-ctl.html
 */

export interface PrivateCluster {
  url: string;
  port: number;
  /** pg_ctl stop: "fast" disconnects sessions and checkpoints, "immediate" is a crash (recovery from WAL at start) */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
  /**
   * SIGSTOP to the postmaster and every server process under it: the server stops answering while its
   * TCP connections stay open, as a hung host or a network partition looks to the client (nothing fails,
   * nothing answers). `thaw` sends SIGCONT. https://www.postgresql.org/docs/current/server-shutdown.html
   */
  freeze(): void;
  thaw(): void;
  /** stops the server (immediate) and removes the directory */
  destroy(): Promise<void>;
  log(): string;
}

/** The bin directory of the newest installed PostgreSQL that has initdb and pg_ctl, or undefined. */
export function findPostgresBin(root = "/usr/lib/postgresql"): string | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, "bin");
    if (["initdb", "pg_ctl", "postgres"].every((b) => existsSync(join(bin, b)))) return bin;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(file: string, args: string[], asPostgres: boolean): Promise<string> {
  const [cmd, argv] = asPostgres ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(" ")} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

/**
 * `passwords`: TCP connections of every role but `postgres` authenticate with SCRAM (so a wrong
 * password is refused, as on the managed database); default: trust for all, as the shared server.
 */
export async function startPrivateCluster(bin: string, opts: { passwords?: boolean } = {}): Promise<PrivateCluster> {
  const asPostgres = process.getuid?.() === 0;
  const dir = scratchDir("renfort-pg-");
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  if (asPostgres) {
    // the server's files belong to the user it runs as (appending to its postgresql.conf below keeps that owner)
    await run("chown", ["postgres:", dir], false);
  }
  await run(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"], asPostgres);
  const port = await freePort();
  // Small footprint: a test server beside the shared one on a 2-core machine. fsync stays on: an
  // acknowledged commit must survive the crash stop.
  appendFileSync(
    join(data, "postgresql.conf"),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      `shared_buffers = 16MB`,
      `max_connections = 50`,
      `logging_collector = off`,
      "",
    ].join("\n"),
  );
  if (opts.passwords) {
    // first match wins: the superuser stays on trust for the test's own setup, every other role needs its password
    // https://www.postgresql.org/docs/current/auth-pg-hba-conf.html
    writeFileSync(
      join(data, "pg_hba.conf"),
      ["local all all trust", "host all postgres 127.0.0.1/32 trust", "host all all 127.0.0.1/32 scram-sha-256", ""].join("\n"),
    );
  }
  const pgCtl = join(bin, "pg_ctl");
  const start = async () => {
    await run(pgCtl, ["-D", data, "-l", logFile, "-w", "-t", "30", "start"], asPostgres);
  };
  const stop = async (mode: "fast" | "immediate" = "fast") => {
    await run(pgCtl, ["-D", data, "-w", "-t", "30", "-m", mode, "stop"], asPostgres);
  };
  await start();
  // the postmaster's pid is the first line of postmaster.pid; its children are found through /proc
  const serverPids = (): number[] => {
    const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    const children = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'
          const stat = readFileSync(`/proc/${d}/stat`, "utf8");
          return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
        } catch {
          return false; // exited meanwhile
        }
      })
      .map(Number);
    return [postmaster, ...children];
  };
  const signalAll = (signal: "SIGSTOP" | "SIGCONT") => {
    for (const pid of serverPids()) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
  };
  let frozen = false;
  let destroyed = false;
  const cluster: PrivateCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    freeze() {
      frozen = true;
      signalAll("SIGSTOP");
    },
    thaw() {
      // a no-op once destroyed: the scratch cleanup may have destroyed the cluster before a file's afterAll
      if (destroyed) return;
      frozen = false;
      signalAll("SIGCONT");
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      if (frozen) signalAll("SIGCONT");
      await stop("immediate").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
    log() {
      try {
        return readFileSync(logFile, "utf8");
      } catch {
        return "";
      }
    },
  };
  // before the scratch directory goes (testing/scratch.ts runs the latest registered first), even when
  // the test file destroys the cluster in a top-level afterAll, which runs after the scratch cleanup
  onTeardown(() => cluster.destroy());
  return cluster;
}
