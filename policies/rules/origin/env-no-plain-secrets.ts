import { resourcePolicy } from "../../lib/policy";
import { plainEnvFromCloudInit, secretReason } from "../../lib/workload";
import { T, type ContainerNamespaceProps, type ContainerProps } from "../../lib/types";
import { cloudInitOf, isContainer } from "../../lib/fleet";

export interface Config {
  allowKeys: string[];
}

/**
 * Plain environment variables end up in state, plans and the instance metadata in clear text. Messages
 * name the variable and the reason, never the value.
 */
export const envNoPlainSecrets = resourcePolicy<Config>(
  {
    name: "env-no-plain-secrets",
    description: "No plain (non-secret) environment variable of the fleet holds a secret-looking value: secret names, credentials in URLs, private keys or high-entropy strings.",
    severity: "critical",
    remediationSteps:
      "Move the variable to the secret env (cloud-init secret block from a pulumi secret, or secretEnvironmentVariables on containers) and rotate the exposed value.",
    url: "https://www.pulumi.com/docs/iac/concepts/secrets/",
    configSchema: {
      properties: {
        allowKeys: { type: "array", items: { type: "string" }, default: [], description: "Variable names reviewed as non-secret despite their look." },
      },
    },
  },
  [...T.instanceTemplate, ...T.server, ...T.container, ...T.containerNamespace],
  ({ type, props, config, report }) => {
    let env: Record<string, string> | undefined;
    let where: string;
    if (isContainer(type) || (T.containerNamespace as readonly string[]).includes(type)) {
      env = (props as Partial<ContainerProps | ContainerNamespaceProps>).environmentVariables;
      where = "environmentVariables";
    } else {
      const init = cloudInitOf(type, props);
      env = init === undefined ? undefined : plainEnvFromCloudInit(init);
      where = "the cloud-init plain env block";
    }
    for (const [key, value] of Object.entries(env ?? {})) {
      const reason = secretReason(key, String(value), config.allowKeys);
      if (reason) report(`${key} in ${where} ${reason}: move it to the secret environment and rotate it (or list it in env-no-plain-secrets.allowKeys if it is not a secret).`);
    }
  },
);
