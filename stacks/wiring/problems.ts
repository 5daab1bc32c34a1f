/**
 * Turns a component's argument problem into a config problem: components name their arguments
 * (`geoBans[1]`, and other arguments in backticks inside the message); each wiring module says which
 * config key feeds which argument, and this names the key, so the operator reads what to set.
 */
import { argPath, type ArgProblem } from "../../components/args";
import { NAMESPACE } from "../config";

/** Config key (without the namespace) of each argument, or of an argument's prefix (`hsts` covers `hsts.preload`). */
export type ArgKeys = Readonly<Record<string, string>>;

/** `renfort:<key>` of an argument path: the longest mapped prefix, then the rest of the path. */
export function keyOfArg(arg: string, keys: ArgKeys): string {
  let best = "";
  for (const name of Object.keys(keys)) {
    if ((arg === name || arg.startsWith(`${name}.`) || arg.startsWith(`${name}[`)) && name.length > best.length) best = name;
  }
  if (!best) throw new Error(`no config key is wired to the argument ${arg}: add it to the wiring's ArgKeys`);
  return `${NAMESPACE}:${keys[best]}${arg.slice(best.length)}`;
}

/** A component's message with each backticked argument it names (`` `capacity.maxInstances` ``) replaced by its config key. */
export function nameArgs(message: string, keys: ArgKeys): string {
  return message.replace(/`([A-Za-z][\w.]*)`/g, (whole, arg: string) => {
    try {
      return keyOfArg(arg, keys);
    } catch {
      return whole;
    }
  });
}

/** `renfort:<key> <message with backticked arguments named by their keys>, got <value>`. */
export function describeArgProblem(p: ArgProblem, keys: ArgKeys): string {
  return `${keyOfArg(argPath(p.path), keys)} ${nameArgs(p.message, keys)}, got ${JSON.stringify(p.value)}`;
}

/**
 * Builds a component, naming config keys instead of arguments in what its constructor throws. Errors raised
 * later, inside an `apply` or a dynamic provider at `pulumi up`, keep the argument names: the config schema
 * refuses those values first, so they are the component's last line of defence.
 */
export function withArgKeys<T>(keys: ArgKeys, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof Error) e.message = nameArgs(e.message, keys);
    throw e;
  }
}
