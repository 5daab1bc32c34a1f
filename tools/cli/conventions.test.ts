import { PassThrough } from "node:stream";
import {
  EXIT,
  ToolFailure,
  UsageError,
  VerdictFailure,
  errorLines,
  errorMessage,
  exitCodeOf,
  fromUserDir,
  parseOptions,
  renderHelp,
  startProgress,
  userDir,
} from "./conventions";

class ConfigLikeError extends Error {}

describe("exit codes", () => {
  it.each([
    ["a usage error", 2, new UsageError("--x is bad"), []],
    ["a command's own input error", 2, new ConfigLikeError("renfort:x is required"), [ConfigLikeError]],
    ["the same error when the command does not call it input", 3, new ConfigLikeError("renfort:x is required"), []],
    ["a failed verdict", 1, new VerdictFailure("a policy is violated"), []],
    ["a tool failure", 3, new ToolFailure("cannot reach the API"), []],
    ["a bug", 3, new TypeError("x is undefined"), []],
    ["something thrown that is no Error", 3, "boom", []],
  ] as [string, number, unknown, (new (m: string) => Error)[]][])("%s exits %d", (_label, code, err, inputErrors) => {
    expect(exitCodeOf(err, inputErrors)).toBe(code);
  });

  it("are the documented ones", () => {
    expect(EXIT).toEqual({ ok: 0, verdictFailed: 1, usage: 2, toolFailure: 3, interrupted: 130 });
  });
});

describe("error lines on stderr", () => {
  it.each([
    ["a usage error", new UsageError("--steps must increase"), EXIT.usage, ["loadtest: --steps must increase", "(npm run loadtest -- --help lists the options)"]],
    ["a failed verdict", new VerdictFailure("refusing r.json"), EXIT.verdictFailed, ["loadtest: refusing r.json"]],
    ["a tool failure", new ToolFailure("cannot reach http://127.0.0.1:9"), EXIT.toolFailure, ["loadtest: cannot reach http://127.0.0.1:9"]],
  ] as [string, Error, number, string[]][])("%s", (_label, err, code, lines) => {
    expect(errorLines("loadtest", err, code as 1 | 2 | 3)).toEqual(lines);
  });

  it("gives an unexpected error its stack, to be reported", () => {
    const lines = errorLines("plan", new TypeError("x is undefined"), EXIT.toolFailure);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^plan: TypeError: x is undefined\n\s+at /);
  });

  it("reads the message of an error from another realm (node's own, under jest)", () => {
    expect(errorMessage({ message: "Unknown option '--x'" })).toBe("Unknown option '--x'");
    expect(errorMessage(42)).toBe("42");
  });
});

describe("paths from where npm was run", () => {
  it.each([
    [{ INIT_CWD: "/home/u/work" }, "out/r.json", "/home/u/work/out/r.json"],
    [{ INIT_CWD: "/home/u/work" }, "../r.json", "/home/u/r.json"],
    [{ INIT_CWD: "/home/u/work" }, "/tmp/r.json", "/tmp/r.json"],
    [{}, "r.json", `${process.cwd()}/r.json`],
    [{ INIT_CWD: "" }, "r.json", `${process.cwd()}/r.json`],
  ])("%j: %s is %s", (env, path, expected) => {
    expect(fromUserDir(path, env)).toBe(expected);
  });

  it("falls back to the working directory outside npm", () => {
    expect(userDir({})).toBe(process.cwd());
  });
});

describe("parseOptions", () => {
  const options = { stack: { type: "string" }, json: { type: "boolean", default: false } } as const;

  it.each([
    [["--stack", "prod"], { stack: "prod", json: false, help: false }],
    [["--stack=prod", "--json"], { stack: "prod", json: true, help: false }],
    [["--help"], { json: false, help: true }],
    [["-h"], { json: false, help: true }],
  ])("parses %j", (argv, values) => {
    expect({ ...parseOptions(argv, options).values }).toEqual(values);
  });

  it.each([
    [["--stak", "prod"], /Unknown option '--stak'/],
    [["--stack"], /Option '--stack <value>' argument missing/],
    [["prod"], /Unexpected argument 'prod'/],
    [["--json=yes"], /Option '--json' does not take an argument/],
  ])("refuses %j as a usage error", (argv, message) => {
    let caught: unknown;
    try {
      parseOptions(argv, options);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(message);
  });

  it("takes positionals when the command has some", () => {
    expect(parseOptions(["up", "--stack", "s"], options, true).positionals).toEqual(["up"]);
  });
});

describe("renderHelp", () => {
  const help = renderHelp({
    usage: ["npm run x -- --in <file>", "npm run x -- --render <file>"],
    summary: "Does x.",
    options: [["--in <file>", "what to read, a description long enough that it has to be wrapped onto a second line of the help"]],
    environment: [["X_TOKEN", "the token"]],
    verdictFailed: "x refused",
    toolFailure: "the network failed",
    otherExits: [[130, "interrupted"]],
  });

  it("has the usage, the options with --help, the environment and every exit code", () => {
    expect(help).toMatch(/^Usage: npm run x -- --in <file>\n {7}npm run x -- --render <file>\n\nDoes x\.\n\nOptions:\n {2}--in <file> +what to read/);
    expect(help).toMatch(/\n {2}--help, -h +this text\n/);
    expect(help).toMatch(/does not read \.env.*\n {2}X_TOKEN +the token\n/);
    expect(help).toMatch(/Exit codes:\n {2}0 +ok\n {2}1 +x refused\n {2}2 +usage or input error.*\n {2}3 +tool failure: the network failed\n {2}130 +interrupted$/);
  });

  it("wraps at 100 columns, aligned under the description", () => {
    const lines = help.split("\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    const at = lines.findIndex((l) => l.startsWith("  --in <file>"));
    const column = lines[at].indexOf("what");
    expect(lines[at + 1].length - lines[at + 1].trimStart().length).toBe(column);
  });

  it("leaves exit 1 out for a command without a verdict", () => {
    expect(renderHelp({ usage: ["npm run y"], summary: "y", options: [] })).not.toMatch(/\n {2}1 /);
  });
});

describe("progress", () => {
  const stream = (tty: boolean) => {
    const s = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
    (s as { isTTY?: boolean }).isTTY = tty;
    let text = "";
    s.on("data", (c: Buffer) => (text += c.toString()));
    return { s, text: () => text };
  };

  it("draws and clears a line on a terminal", async () => {
    const t = stream(true);
    let now = 0;
    const p = startProgress("planning prod", t.s, () => now);
    now = 3000;
    p.update("planning prod at origin/main in a child process");
    p.done();
    p.done();
    await new Promise((r) => setImmediate(r));
    expect(t.text()).toBe("\r\x1b[2Kplanning prod 0 s\r\x1b[2Kplanning prod at origin/main in a child process 3 s\r\x1b[2K");
  });

  it("writes nothing when stderr is not a terminal (CI logs, a pipe)", async () => {
    const t = stream(false);
    const p = startProgress("planning prod", t.s);
    p.update("more");
    p.done();
    await new Promise((r) => setImmediate(r));
    expect(t.text()).toBe("");
  });
});
