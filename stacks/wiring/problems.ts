/**
 * Turns a component's argument problem into a config problem: components name their arguments
 * (`geoBans[1]`, and other arguments in backticks inside the message); each wiring module says which
 * config key feeds which argument, and this names the key, so the operator reads what to set.
 */
import { NAMESPACE } from "../config";

export interface ArgProblem {
  path: readonly (string | number)[];
  message: string;
  value: unknown;
}

/** Config key (without the namespace) of each argument, or of an argument's prefix (`hsts` covers `hsts.preload`). */
export type ArgKeys = Readonly<Record<string, string>>;

function argPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** `renfort:<key>` of an argument path: the longest mapped prefix, then the rest of the path. */
export function keyOfArg(arg: string, keys: ArgKeys): string {
  let best = "";
  for (const name of Object.keys(keys)) {
    if ((arg === name || arg.startsWith(`${name}.`) || arg.startsWith(`${name}[`)) && name.length > best.length) best = name;
  }
  if (!best) throw new Error(`no config key is wired to the argument ${arg}: add it to the wiring's ArgKeys`);
  return `${NAMESPACE}:${keys[best]}${arg.slice(best.length)}`;
}

/** `renfort:<key> <message with backticked arguments named by their keys>, got <value>`. */
export function describeArgProblem(p: ArgProblem, keys: ArgKeys): string {
  const message = p.message.replace(/`([A-Za-z][\w.]*)`/g, (whole, arg: string) => {
    try {
      return keyOfArg(arg, keys);
    } catch {
      return whole;
    }
  });
  return `${keyOfArg(argPath(p.path), keys)} ${message}, got ${JSON.stringify(p.value)}`;
}
