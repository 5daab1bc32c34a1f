/**
 * What `loadtest` and `capacity` share with every command of the project (issue 18): one exit-code
 * convention, errors on stderr, and relative paths resolved from where the user ran npm.
 */
import { isAbsolute, resolve } from "node:path";

/** 0 ok, 1 verdict failed, 2 usage or input error, 3 tool failure, 130 interrupted (Ctrl-C). */
export const EXIT = { ok: 0, verdictFailed: 1, usage: 2, toolFailure: 3, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage or input error: the message names the option or field and the fix; exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
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

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
