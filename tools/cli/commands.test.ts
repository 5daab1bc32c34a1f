/**
 * Every command of package.json's scripts that runs a tool, as a user starts it: `--help` answers on
 * stdout with the options and the exit codes (exit 0), and a bad option is a usage error told on stderr
 * (exit 2, nothing on stdout).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// Nine child processes on a shared 2-core machine; each loads tsx.
jest.setTimeout(120_000);

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** The commands issue 18 names: each must be a `tsx <file>` script. */
const COMMANDS = ["plan", "loadtest", "capacity", "release", "guard:stateful", "freeze:check", "check:image", "twin", "ops"];

function fileOf(command: string): string {
  const m = /^tsx (tools\/\S+\.ts)$/.exec(scripts[command] ?? "");
  if (!m) throw new Error(`package.json script ${command} is not "tsx tools/<file>.ts": ${scripts[command]}`);
  return m[1];
}

function run(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [TSX, join(ROOT, file), ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, INIT_CWD: ROOT, FORCE_COLOR: "0" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

type Result = Awaited<ReturnType<typeof run>>;
const results = new Map<string, Result>();

// Started four at a time: what takes time is each child loading tsx, not the answer.
beforeAll(async () => {
  const queue = COMMANDS.flatMap((c) => [
    [c, "help", ["--help"]],
    [c, "bad", ["--no-such-option"]],
  ] as [string, string, string[]][]);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) results.set(`${next[0]} ${next[1]}`, await run(fileOf(next[0]), next[2]));
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
});

describe.each(COMMANDS)("npm run %s", (command) => {
  it("is a tsx script of package.json", () => {
    expect(fileOf(command)).toMatch(/^tools\//);
  });

  it("answers --help on stdout with its options and every exit code, exit 0", () => {
    const r = results.get(`${command} help`)!;
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^Usage: npm run /);
    expect(r.stdout).toContain(`npm run ${command}`);
    expect(r.stdout).toMatch(/\n {2}--help, -h +this text\n/);
    expect(r.stdout).toMatch(/\nExit codes:\n {2}0 [^]*\n {2}2 +usage or input error[^]*\n {2}3 +tool failure/);
  });

  it("refuses a bad option on stderr, exit 2, nothing on stdout", () => {
    const r = results.get(`${command} bad`)!;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^${command}: Unknown option '--no-such-option'`));
    expect(r.stderr).toContain(`npm run ${command} -- --help`);
  });
});
