/**
 * npm run plan -- --stack <staging|prod> [--config-file <path>] [--json <file>|-] [--markdown <file>|-]
 *                 [--diff-against <git ref>] [--preview]
 *
 * Exit codes (tools/cli/conventions.ts): 0 clean plan, 1 a mandatory policy is violated (in prod, also one
 * that could not decide), 2 usage, stack-file or config error, 3 an unexpected failure of the tool itself.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { EXIT, UsageError, fromUserDir, parseOptions, processIo, renderHelp, runCommand, startProgress } from "../cli/conventions";

const HELP = renderHelp({
  usage: [
    "npm run plan -- --stack <staging|prod> [--config-file <path>] [--json <file>|-] [--markdown <file>|-] [--preview]",
    "npm run plan -- --stack <staging|prod> --diff-against <git ref> [--markdown <file>|-] [--json <file>|-]",
  ],
  summary: `Plans the stack offline, without credentials: validates Pulumi.<stack>.yaml, evaluates the real program
with mocked providers, prints the resources by component and runs every policy of the pack over them.
With --diff-against, also plans the program as it stood at a git ref (in a temporary worktree, in a
child process that gets no credential) and prints the difference instead of the inventory.`,
  options: [
    ["--stack <name>", "the stack: Pulumi.<name>.yaml is read (required)"],
    ["--config-file <path>", "read this file (same format as Pulumi.<stack>.yaml) instead"],
    ["--json <file>|-", "write the Plan JSON (secrets redacted); - writes it on stdout, and the report then goes to stderr"],
    ["--markdown <file>|-", "write the report (or the diff) as Markdown; - writes it on stdout instead of the text report"],
    ["--diff-against <ref>", "compare with the plan of the same stack at a git ref (branch, tag, commit)"],
    ["--preview", "evaluate as a first preview does: computed outputs unknown"],
  ],
  verdictFailed: "a mandatory policy is violated (in prod, also one that could not decide before deployment)",
  usageError: "bad option, unreadable stack file, invalid config (the message names the key and the fix)",
  toolFailure: "the plan (or the plan at the --diff-against ref) failed unexpectedly",
  notes: `It reads no .env: the plan needs no credentials, and --diff-against runs another ref's code.
On a terminal, progress (including the --diff-against child's) is shown on stderr.`,
});

function parse(argv: string[]) {
  const { values, positionals } = parseOptions(
    argv,
    {
      stack: { type: "string" },
      "config-file": { type: "string" },
      json: { type: "string" },
      markdown: { type: "string" },
      "diff-against": { type: "string" },
      preview: { type: "boolean", default: false },
    },
    true,
  );
  if (values.help) return undefined;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (!values.stack) throw new UsageError("--stack is required (staging or prod, or the name of a Pulumi.<stack>.yaml)");
  if (!/^[A-Za-z0-9_.-]+$/.test(values.stack)) throw new UsageError(`--stack must be a stack name, got ${JSON.stringify(values.stack)}`);
  if (values.json === "-" && values.markdown === "-") throw new UsageError("--json - and --markdown - both want stdout: write one of them to a file");
  if (values.json === "") throw new UsageError("--json needs a file name, or - for stdout");
  if (values.markdown === "") throw new UsageError("--markdown needs a file name, or - for stdout");
  const path = (p: string | undefined) => (p === undefined || p === "-" ? p : fromUserDir(p));
  return {
    stack: values.stack,
    configFile: path(values["config-file"]),
    json: path(values.json),
    markdown: path(values.markdown),
    diffAgainst: values["diff-against"],
    preview: values.preview ?? false,
  };
}

async function main(argv: string[]): Promise<number> {
  // No `.env` here: the plan needs no credentials, and `--diff-against` runs another ref's code, which
  // must not inherit any (tools/plan/at-ref.ts gives it a minimal environment).
  const args = parse(argv);
  if (!args) {
    processIo.out(HELP);
    return EXIT.ok;
  }
  // Loaded after the options are read: --help and usage errors answer without loading four provider SDKs.
  const [{ ConfigError }, { StackFileError }, { planStack }, { SECRET_FINGERPRINT_KEY_ENV }, render] = await Promise.all([
    import("../../stacks/config"),
    import("./stack-file"),
    import("./plan"),
    import("./plan-json"),
    import("./render"),
  ]);
  // With --json - stdout carries the JSON alone: the human report goes to stderr.
  const report = args.json === "-" ? processIo.err : processIo.out;
  const progress = startProgress(`planning ${args.stack}`);
  try {
    if (args.diffAgainst) {
      // One random key for both sides (the base plan's child process inherits it): the diff can then tell a
      // changed secret from an unchanged one by keyed fingerprint, without ever seeing the value.
      process.env[SECRET_FINGERPRINT_KEY_ENV] ??= randomBytes(32).toString("hex");
    }
    let result;
    try {
      result = await planStack({ stack: args.stack, configFile: args.configFile, preview: args.preview });
    } catch (e) {
      if (e instanceof ConfigError || e instanceof StackFileError) throw new UsageError(e.message);
      throw e;
    }
    if (args.diffAgainst) {
      const [{ planAtRef }, { diffPlans }, { renderDiffMarkdown }] = await Promise.all([import("./at-ref"), import("./diff"), import("./diff-render")]);
      const base = await planAtRef(args.diffAgainst, args.stack, { onPhase: (p) => progress.update(p) });
      progress.done();
      const markdown = renderDiffMarkdown(diffPlans(base, result.plan), { stack: args.stack, baseRef: args.diffAgainst });
      if (args.markdown === "-") processIo.out(markdown);
      else {
        report(markdown);
        if (args.markdown) writeFileSync(args.markdown, markdown);
      }
    } else {
      progress.done();
      if (args.markdown === "-") processIo.out(render.renderMarkdown(result.plan));
      else {
        report(render.renderInventory(result.plan));
        if (args.markdown) writeFileSync(args.markdown, render.renderMarkdown(result.plan));
      }
    }
    const json = `${JSON.stringify(result.plan, null, 2)}\n`;
    if (args.json === "-") process.stdout.write(json);
    else if (args.json) writeFileSync(args.json, json);
    if (result.blocking.length > 0) {
      processIo.err(`\nThe plan of ${args.stack} violates ${result.blocking.length} mandatory polic${result.blocking.length === 1 ? "y" : "ies"}:`);
      for (const v of result.blocking) processIo.err(`  ${v.policy}${v.urn ? ` (${v.urn})` : ""}: ${v.message}`);
      return EXIT.verdictFailed;
    }
    return EXIT.ok;
  } finally {
    progress.done();
  }
}

runCommand("plan", () => main(process.argv.slice(2)));
