/**
 * The edge stand-in as a process of its own, so the twin's `up` can return and `down` can stop it by pid:
 *
 *   tsx tools/twin/edge/main.ts <options.json> [--ready-file <path>]
 *
 * The options file is `EdgeOptions` as JSON (without `log` and `clock`). It holds the edge's TLS key and
 * the origin-lock secret, so it must be readable by its owner only (mode 0600): the edge refuses it
 * otherwise. When the edge listens it prints one JSON line to stdout, and writes it to `--ready-file`
 * when given: `{ "ready": true, "pid", "address", "httpPort", "httpsPort", "countryHeader", "cacheStatusHeader" }`.
 * Logs go to stderr. SIGTERM or SIGINT closes the listeners and exits 0; a second signal exits 1 at once.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { startEdge, type EdgeOptions, type RunningEdge } from "./index";

const USAGE = "usage: tsx tools/twin/edge/main.ts <options.json> [--ready-file <path>]";

function fail(message: string, code = 1): never {
  process.stderr.write(`edge: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv: string[]): { optionsFile: string; readyFile?: string } {
  const rest = [...argv];
  let readyFile: string | undefined;
  const at = rest.indexOf("--ready-file");
  if (at >= 0) {
    readyFile = rest[at + 1];
    if (!readyFile) fail(`--ready-file needs a path\n${USAGE}`, 2);
    rest.splice(at, 2);
  }
  if (rest.length !== 1 || rest[0].startsWith("-")) fail(USAGE, 2);
  return { optionsFile: rest[0], readyFile };
}

function readOptions(file: string): EdgeOptions {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (e) {
    fail(`cannot read the options file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
  if ((mode & 0o077) !== 0) {
    fail(`${file} holds the TLS key and secrets but is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 ${file}`, 2);
  }
  try {
    return JSON.parse(readFileSync(file, "utf8")) as EdgeOptions;
  } catch (e) {
    fail(`${file} is not valid JSON: ${(e as Error).message}`, 2);
  }
}

async function main(): Promise<void> {
  const { optionsFile, readyFile } = parseArgs(process.argv.slice(2));
  const options = readOptions(optionsFile);
  let edge: RunningEdge | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`edge: ${signal}: closing\n`);
    // Bounded: connections are closed by close(); this only guards against a hung close.
    setTimeout(() => process.exit(1), 10_000).unref();
    void (edge ? edge.close() : Promise.resolve()).then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  try {
    edge = await startEdge({ ...options, log: (line) => process.stderr.write(`${new Date().toISOString()} edge: ${line}\n`) });
  } catch (e) {
    fail((e as Error).message);
  }
  const ready = JSON.stringify({
    ready: true,
    pid: process.pid,
    address: edge.address,
    httpPort: edge.httpPort,
    httpsPort: edge.httpsPort,
    countryHeader: edge.countryHeader,
    cacheStatusHeader: edge.cacheStatusHeader,
  });
  if (readyFile) {
    writeFileSync(`${readyFile}.tmp`, `${ready}\n`);
    renameSync(`${readyFile}.tmp`, readyFile);
  }
  process.stdout.write(`${ready}\n`);
}

void main();
