/**
 * Committed stack files carry clearly-marked placeholders where a value only the operators have belongs (the
 * fixed egress address of the runner that reaches the database's admin endpoint, for one): addresses of the
 * documentation ranges and obvious placeholder ids (data/placeholders.ts). A real `pulumi up` refuses them
 * before anything is declared; a preview warns (a pull request's real preview still runs); the offline plan
 * lists them and exits 0, so the committed stacks stay reviewable.
 */
import { placeholdersIn, type Placeholder } from "../data/placeholders";
import { ConfigError } from "./config";

/** Where the real value comes from, for the keys the committed stacks hold placeholders in. */
function howToReplace(key: string): string {
  const snapshotZone = /^renfort:fleet\.bootSnapshotIds\.([a-z]{2}-[a-z]{3}-\d)$/.exec(key)?.[1];
  if (snapshotZone) return `the id of the boot volume's Block Storage snapshot in ${snapshotZone} (snapshots are zonal: \`scw block snapshot list zone=${snapshotZone}\`; components/origin/README.md, renfort:fleet)`;
  return 'components/database/README.md, "Reaching the admin endpoint from CI", for the admin ACL';
}

export function placeholderLine(p: Placeholder): string {
  return `${p.key} is ${JSON.stringify(p.value)}, ${p.why}: replace it before deploying (${howToReplace(p.key)})`;
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
