/**
 * Writes the released image digest back into `Pulumi.<stack>.yaml` (`renfort:fleet.image.digest`), so
 * the stack file in git names what the fleet runs: the nightly drift check (`pulumi preview --refresh
 * --expect-no-changes`) and an operator's `pulumi up` then plan with the deployed digest instead of
 * rolling the fleet back to an older one.
 *
 * Only the digest's characters change: the value's position comes from the `yaml` parser
 * (https://eemeli.org/yaml/#nodes, `range`), and the new digest is spliced into the original text, so
 * every other byte (comments, key order, ciphertexts, line endings) is kept by construction. Quoting
 * is kept as found. The result is re-parsed and checked to mean the same file with only that value
 * changed.
 */
import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { isMap, isScalar, parseDocument, type Scalar } from "yaml";

export const FLEET_KEY = "renfort:fleet";
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface DigestWriteBack {
  text: string;
  /** The digest the file named before, or null when it had none. */
  previous: string | null;
  changed: boolean;
}

function digestNode(text: string, fileName: string): { node: Scalar; doc: ReturnType<typeof parseDocument> } {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${fileName} is not valid YAML: ${doc.errors[0]!.message}`);
  const config = doc.get("config", true);
  if (!isMap(config)) throw new Error(`${fileName} has no \`config:\` map`);
  const fleet = config.get(FLEET_KEY, true);
  const image = isMap(fleet) ? fleet.get("image", true) : undefined;
  const node = isMap(image) ? image.get("digest", true) : undefined;
  if (!isScalar(node) || !node.range) {
    throw new Error(
      `${fileName} has no ${FLEET_KEY}.image.digest value: add one (pulumi config set --path 'fleet.image.digest' sha256:<64 hex>) before the first release`,
    );
  }
  return { node, doc };
}

/** The digest `Pulumi.<stack>.yaml` names for the fleet. */
export function readImageDigest(text: string, fileName: string): string {
  return String(digestNode(text, fileName).node.value);
}

/** The stack file text with `renfort:fleet.image.digest` set to `digest`, every other byte unchanged. */
export function writeImageDigest(text: string, fileName: string, digest: string): DigestWriteBack {
  if (!DIGEST.test(digest)) throw new Error(`the digest to write must be sha256:<64 lowercase hex>, got "${digest}"`);
  const { node, doc } = digestNode(text, fileName);
  const previous = node.value === null || node.value === undefined ? null : String(node.value);
  if (previous === digest) return { text, previous, changed: false };
  const [start, valueEnd] = node.range!;
  const quote = node.type === "QUOTE_DOUBLE" ? '"' : node.type === "QUOTE_SINGLE" ? "'" : "";
  const out = text.slice(0, start) + quote + digest + quote + text.slice(valueEnd);
  // Belt and braces: the new file must mean the old one with only the digest changed.
  const before = doc.toJS() as { config: Record<string, { image: Record<string, unknown> }> };
  before.config[FLEET_KEY]!.image.digest = digest;
  const after = parseDocument(out).toJS() as unknown;
  if (JSON.stringify(after) !== JSON.stringify(before)) {
    throw new Error(`${fileName}: writing the digest would change more than ${FLEET_KEY}.image.digest; edit the file by hand`);
  }
  return { text: out, previous, changed: true };
}

/**
 *   npx tsx tools/release/digest-writeback.ts --stack prod --digest sha256:<64 hex>
 * Writes the digest into Pulumi.<stack>.yaml before `pulumi preview` / `pulumi up` read it.
 */
if (require.main === module) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const stack = arg("--stack");
  const digest = arg("--digest");
  if (!stack || !/^[a-z0-9-]+$/.test(stack) || !digest) {
    console.error("usage: tsx tools/release/digest-writeback.ts --stack <staging|prod> --digest sha256:<64 hex>");
    process.exitCode = 2;
  } else {
    try {
      const file = join(__dirname, "..", "..", `Pulumi.${stack}.yaml`);
      const r = writeImageDigest(readFileSync(file, "utf8"), file, digest);
      if (r.changed) writeFileSync(file, r.text);
      console.log(r.changed ? `Pulumi.${stack}.yaml: renfort:fleet.image.digest ${r.previous ?? "unset"} -> ${digest}` : `Pulumi.${stack}.yaml already names ${digest}`);
    } catch (e) {
      console.error((e as Error).message);
      process.exitCode = 2;
    }
  }
}
