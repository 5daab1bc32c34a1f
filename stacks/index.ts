/**
 * Entry point of the Renfort Pulumi program: one stack = one environment (staging, prod).
 * Config is validated up front; see stacks/config for every key and README.md for the flow.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./load";
import { refusePlaceholders } from "./placeholders";
import { buildPlatform } from "./platform";

const { config, secrets } = loadStackConfig();
// `pulumi up` stops here while the stack file still holds a placeholder; a preview warns.
refusePlaceholders(config, pulumi.runtime.isDryRun(), (m) => void pulumi.log.warn(m));

export = buildPlatform(config, secrets);
