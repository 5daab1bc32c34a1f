/**
 * Committed stack files carry clearly-marked placeholders where a value only the operators have belongs (the
 * fixed egress address of the runner that reaches the database's admin endpoint, for one): addresses of the
 * documentation ranges and obvious placeholder ids (data/placeholders.ts). A real `pulumi up` refuses them
 * before anything is declared; a preview warns (a pull request's real preview still runs); the offline plan
 * lists them and exits 0, so the committed stacks stay reviewable.
 */
import { placeholdersIn, type Placeholder } from "../data/placeholders";
import { ConfigError } from "./config";

export function placeholderLine(p: Placeholder): string {
  return `${p.key} is ${JSON.stringify(p.value)}, ${p.why}: replace it before deploying (components/database/README.md, "Reaching the admin endpoint from CI", for the admin ACL)`;
}

/**
 * On a deployment (`dryRun` false) throws a ConfigError naming every placeholder; in a preview reports each
 * through `warn` and returns them.
 */
export function refusePlaceholders(config: unknown, dryRun: boolean, warn: (message: string) => void): Placeholder[] {
  const found = placeholdersIn(config);
  if (found.length === 0) return found;
  if (!dryRun) throw new ConfigError(found.map((p) => `${placeholderLine(p)}. pulumi up refuses placeholders.`));
  for (const p of found) warn(`placeholder: ${placeholderLine(p)}. pulumi up will refuse it.`);
  return found;
}
