/**
 * npm run plan -- --stack <staging|prod> [--config-file <path>] [--json <file>] [--markdown <file>]
 *                 [--diff-against <git ref>] [--preview]
 *
 * Exit codes: 0 clean plan, 1 a mandatory policy is violated (in prod, also one that could not decide),
 * 2 usage, stack-file or config error, 3 an unexpected failure of the tool itself.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError } from "../../stacks/config";
import { planAtRef } from "./at-ref";
import { diffPlans } from "./diff";
import { renderDiffMarkdown } from "./diff-render";
import { planStack } from "./plan";
import { SECRET_FINGERPRINT_KEY_ENV } from "./plan-json";
import { renderInventory, renderMarkdown } from "./render";
import { StackFileError } from "./stack-file";

const USAGE = `usage: npm run plan -- --stack <staging|prod> [--config-file <path>] [--json <file>] [--markdown <file>] [--diff-against <git ref>] [--preview]`;

class UsageError extends Error {}

function parse(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        stack: { type: "string" },
        "config-file": { type: "string" },
        json: { type: "string" },
        markdown: { type: "string" },
        "diff-against": { type: "string" },
        preview: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) return undefined;
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (!values.stack) throw new UsageError("--stack is required (staging or prod, or the name of a Pulumi.<stack>.yaml)");
    if (!/^[A-Za-z0-9_.-]+$/.test(values.stack)) throw new UsageError(`--stack must be a stack name, got ${JSON.stringify(values.stack)}`);
    return { ...values, stack: values.stack };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

async function main(argv: string[]): Promise<number> {
  // No `.env` here: the plan needs no credentials, and `--diff-against` runs another ref's code, which
  // must not inherit any (tools/plan/at-ref.ts gives it a minimal environment).
  const args = parse(argv);
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  if (args["diff-against"]) {
    // One random key for both sides (the base plan's child process inherits it): the diff can then tell a
    // changed secret from an unchanged one by keyed fingerprint, without ever seeing the value.
    process.env[SECRET_FINGERPRINT_KEY_ENV] ??= randomBytes(32).toString("hex");
  }
  const result = await planStack({ stack: args.stack, configFile: args["config-file"], preview: args.preview });
  if (args["diff-against"]) {
    const base = await planAtRef(args["diff-against"], args.stack);
    const markdown = renderDiffMarkdown(diffPlans(base, result.plan), { stack: args.stack, baseRef: args["diff-against"] });
    console.log(markdown);
    if (args.markdown) writeFileSync(args.markdown, markdown);
  } else {
    console.log(renderInventory(result.plan));
    if (args.markdown) writeFileSync(args.markdown, renderMarkdown(result.plan));
  }
  if (args.json) writeFileSync(args.json, `${JSON.stringify(result.plan, null, 2)}\n`);
  if (result.blocking.length > 0) {
    console.error(`\nThe plan of ${args.stack} violates ${result.blocking.length} mandatory polic${result.blocking.length === 1 ? "y" : "ies"}:`);
    for (const v of result.blocking) console.error(`  ${v.policy}${v.urn ? ` (${v.urn})` : ""}: ${v.message}`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n${USAGE}`);
      process.exit(2);
    }
    if (e instanceof ConfigError || e instanceof StackFileError) {
      console.error(`error: ${e.message}`);
      process.exit(2);
    }
    console.error("error: the plan failed unexpectedly:", e);
    process.exit(3);
  },
);
