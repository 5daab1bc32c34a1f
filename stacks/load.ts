/**
 * Reads the stack's `renfort:*` config from the Pulumi runtime and validates it.
 */
import * as pulumi from "@pulumi/pulumi";
// Not in the SDK's typings, but what `Config.getSecret` itself consults: whether the engine marked a key secret.
import { isConfigSecret } from "../adapters/pulumi-runtime";
import { NAMESPACE, SECRET_KEYS, missingSecretProblem, secretsRequiredBy, type RenfortConfig, type SecretKey, ConfigError } from "./config";
import { parseStackConfig, parseStackConfigReport } from "./wiring";

export interface StackSecrets {
  originTlsPrivateKey: pulumi.Output<string>;
  adminToken: pulumi.Output<string>;
  databaseAdminPassword?: pulumi.Output<string>;
  emailSmtpKey?: pulumi.Output<string>;
  acmeDnsApiToken?: pulumi.Output<string>;
}

/** Structured config arrives as JSON text; scalars as plain text. */
function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface LoadOptions {
  /**
   * `enforce` (the program): posture problems are config errors. `report` (the offline plan): they are
   * returned so the stack still evaluates and the policy gate can judge the resources.
   */
  posture?: "enforce" | "report";
  /** The clock dated waivers are checked against; now by default. */
  now?: Date;
}

/** The stack's config, parsed and validated, and its secrets as secret Outputs. Throws {@link ConfigError}. */
export function loadStackConfig(options: LoadOptions = {}): { config: RenfortConfig; secrets: StackSecrets; posture: string[] } {
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(all)) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    raw[key.slice(NAMESPACE.length + 1)] = decode(text);
  }
  const problems: string[] = [];
  let config: RenfortConfig | undefined;
  let posture: string[] = [];
  try {
    const parse = options.now ? { now: options.now } : {};
    if (options.posture === "report") ({ config, posture } = parseStackConfigReport(raw, parse));
    else config = parseStackConfig(raw, parse);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  const bag = new pulumi.Config(NAMESPACE);
  const requiredByConfig: string[] = config ? secretsRequiredBy(config) : [];
  for (const [key, spec] of Object.entries(SECRET_KEYS)) {
    if ((spec.required || requiredByConfig.includes(key)) && !(key in raw)) {
      problems.push(missingSecretProblem(key as SecretKey));
    } else if (key in raw && !isConfigSecret(`${NAMESPACE}:${key}`)) {
      problems.push(`${NAMESPACE}:${key} must be stored as a secret: run pulumi config set --secret ${key} <value> and remove the plain-text value`);
    }
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  const secret = (key: SecretKey) => bag.requireSecret(key);
  return {
    config,
    posture,
    secrets: {
      originTlsPrivateKey: secret("originTlsPrivateKey"),
      adminToken: secret("adminToken"),
      ...("databaseAdminPassword" in raw ? { databaseAdminPassword: secret("databaseAdminPassword") } : {}),
      ...("emailSmtpKey" in raw ? { emailSmtpKey: secret("emailSmtpKey") } : {}),
      ...("acmeDnsApiToken" in raw ? { acmeDnsApiToken: secret("acmeDnsApiToken") } : {}),
    },
  };
}
