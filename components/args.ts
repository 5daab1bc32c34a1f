/**
 * How a component reports a refused argument: by its path in the component's args (`geoBans[1]`,
 * `capacity.maxInstances`), with any other argument a message names in backticks. Components know no
 * config keys; stacks/wiring/problems.ts names the key that feeds each argument.
 */

/** One refused argument: its path in the args, the message (`must ...`) and the value. */
export interface ArgProblem {
  path: readonly (string | number)[];
  message: string;
  value: unknown;
}

/** `capacity.maxInstances`, `geoBans[1]`: an argument path as messages write it. */
export function argPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
