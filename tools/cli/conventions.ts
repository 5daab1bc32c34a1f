/**
 * What every command of the project shares (issue 18, "Tools that behave alike"): one exit-code
 * convention, `--help` text rendered the same way, options parsed with `node:util`'s parseArgs, errors on
 * stderr, relative paths resolved from where the user ran npm, and progress shown on a terminal only.
 * The commands: plan, loadtest, capacity, release, guard:stateful, freeze:check, check:image, twin, ops.
 */
import { isAbsolute, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** 0 ok, 1 verdict failed, 2 usage or input error, 3 tool failure, 130 interrupted (Ctrl-C). */
export const EXIT = { ok: 0, verdictFailed: 1, usage: 2, toolFailure: 3, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage or input error: the message names the option or field and the fix; exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The verdict the command exists to give failed (a policy, a check, a window); exit 1. */
export class VerdictFailure extends Error {
  override name = "VerdictFailure";
}

/** The tool could not do its job (a network error, a child process that failed, a file it cannot write); exit 3. */
export class ToolFailure extends Error {
  override name = "ToolFailure";
}

/** The message of anything thrown (an Error from another realm, such as node's own under jest, included). */
export function errorMessage(err: unknown): string {
  const message = typeof err === "object" && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === "string" ? message : String(err);
}

/**
 * The exit code of an error that reached the top of a command: UsageError 2, VerdictFailure 1, anything
 * else (ToolFailure, a bug) 3. `inputErrors` are the command's own input-error classes (e.g. a config
 * or stack-file error), also 2.
 */
export function exitCodeOf(err: unknown, inputErrors: readonly (abstract new (...args: never[]) => Error)[] = []): ExitCode {
  if (err instanceof UsageError || inputErrors.some((c) => err instanceof c)) return EXIT.usage;
  if (err instanceof VerdictFailure) return EXIT.verdictFailed;
  return EXIT.toolFailure;
}

/**
 * `npm run` starts the script in the package's directory and keeps the user's directory in INIT_CWD
 * (https://docs.npmjs.com/cli/v10/commands/npm-run-script, "INIT_CWD"); a path the user typed is
 * relative to the latter. Outside npm (tsx directly) INIT_CWD is unset and the working directory is used.
 */
export function userDir(env: NodeJS.ProcessEnv = process.env): string {
  const init = env.INIT_CWD;
  return init !== undefined && init !== "" ? init : process.cwd();
}

/** A path given on the command line, resolved from the user's directory. */
export function fromUserDir(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return isAbsolute(path) ? path : resolve(userDir(env), path);
}

/**
 * `parseArgs` of node:util (strict) with its errors turned into UsageError, and `--help`/`-h` added.
 * https://nodejs.org/api/util.html#utilparseargsconfig
 */
export function parseOptions<O extends NonNullable<ParseArgsConfig["options"]>>(
  argv: readonly string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals,
      options: { ...options, help: { type: "boolean", short: "h", default: false } } as O & { help: { type: "boolean"; short: "h"; default: false } },
    });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
}

export interface HelpText {
  /** One or more `npm run x -- ...` lines. */
  usage: string[];
  /** What the command does, a few lines. */
  summary: string;
  /** Groups shown before the options, e.g. { title: "Target", rows: [["--url <url>", "..."]] }. */
  groups?: { title: string; rows: [string, string][] }[];
  /** [option as typed, what it does]; `--help` is added. */
  options: [string, string][];
  /** What exit 0 means here; default "ok". */
  ok?: string;
  /** What exit 1 means for this command (the verdict that failed); absent when the command gives none. */
  verdictFailed?: string;
  /** What counts as a usage or input error here, beyond a bad option. */
  usageError?: string;
  /** What counts as a tool failure here. */
  toolFailure?: string;
  /** Other exit codes the command uses, e.g. [[130, "interrupted"]]. */
  otherExits?: [number, string][];
  /** Environment variables read, [name, what for]. */
  environment?: [string, string][];
  /** Free text after the options. */
  notes?: string;
}

const WIDTH = 100;

function wrap(text: string, indent: number, first: number): string[] {
  const lines: string[] = [];
  let line = "";
  let room = WIDTH - first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

function table(rows: [string, string][]): string[] {
  const col = Math.min(32, Math.max(...rows.map(([k]) => k.length)) + 2);
  const out: string[] = [];
  for (const [k, v] of rows) {
    const pad = 2 + col;
    const head = `  ${k}`;
    const body = wrap(v, pad, pad);
    if (head.length + 1 > pad) {
      out.push(head);
      out.push(...body.map((l) => " ".repeat(pad) + l));
    } else {
      out.push(head.padEnd(pad) + body[0]);
      out.push(...body.slice(1).map((l) => " ".repeat(pad) + l));
    }
  }
  return out;
}

/** The `--help` text: usage, summary, options, environment, notes, then the exit codes. */
export function renderHelp(h: HelpText): string {
  const out: string[] = [];
  h.usage.forEach((u, i) => out.push(`${i === 0 ? "Usage: " : "       "}${u}`));
  out.push("", h.summary.trim());
  for (const g of h.groups ?? []) out.push("", `${g.title}:`, ...table(g.rows));
  out.push("", h.groups?.length ? "Other options:" : "Options:");
  out.push(...table([...h.options, ["--help, -h", "this text"]]));
  if (h.environment && h.environment.length > 0) {
    out.push("", "Environment (the command does not read .env: export what it needs, e.g. set -a; . ./.env; set +a):");
    out.push(...table(h.environment));
  }
  if (h.notes) out.push("", h.notes.trim());
  out.push("", "Relative paths are resolved from the directory npm was run in (INIT_CWD).", "", "Exit codes:");
  const exits: [string, string][] = [["0", h.ok ?? "ok"]];
  if (h.verdictFailed) exits.push(["1", h.verdictFailed]);
  exits.push(["2", `usage or input error${h.usageError ? `: ${h.usageError}` : " (the message names the option and the fix)"}`]);
  exits.push(["3", `tool failure${h.toolFailure ? `: ${h.toolFailure}` : ""}`]);
  for (const [code, what] of h.otherExits ?? []) exits.push([String(code), what]);
  out.push(...table(exits));
  return out.join("\n");
}

/** Output of a command, injectable for tests: results on stdout, errors and progress on stderr. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** The lines a command prints on stderr for an error that reached its top, by kind. */
export function errorLines(command: string, err: unknown, code: ExitCode): string[] {
  if (code === EXIT.usage) return [`${command}: ${errorMessage(err)}`, `(npm run ${command} -- --help lists the options)`];
  if (code === EXIT.toolFailure && !(err instanceof ToolFailure) && err instanceof Error && err.stack) return [`${command}: ${err.stack}`];
  return [`${command}: ${errorMessage(err)}`];
}

/**
 * Runs a command's main and exits with its code. An error that escapes main is printed on stderr
 * (usage errors with a pointer to --help, unexpected ones with their stack) and exits by exitCodeOf.
 * stdout is drained before exiting, so a large result piped to another program is never cut.
 */
export function runCommand(command: string, main: () => Promise<number> | number, inputErrors: readonly (abstract new (...args: never[]) => Error)[] = []): void {
  const exit = (code: number) => {
    process.exitCode = code;
    process.stdout.write("", () => process.exit(code));
  };
  Promise.resolve()
    .then(main)
    .then(exit, (err: unknown) => {
      const code = exitCodeOf(err, inputErrors);
      for (const line of errorLines(command, err, code)) process.stderr.write(`${line}\n`);
      exit(code);
    });
}

/** A progress line on stderr, redrawn every second, shown only when stderr is a terminal. */
export interface Progress {
  /** Changes what the line says (the elapsed time keeps counting from the start). */
  update(label: string): void;
  /** Clears the line. */
  done(): void;
}

export function startProgress(label: string, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  const start = now();
  let current = label;
  let finished = false;
  const draw = () => stream.write(`\r\x1b[2K${current} ${Math.round((now() - start) / 1000)} s`);
  draw();
  const timer = setInterval(draw, 1000);
  timer.unref();
  return {
    update(l) {
      current = l;
      draw();
    },
    done() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      stream.write("\r\x1b[2K");
    },
  };
}
