/**
 * Entry point of the Renfort Pulumi program: one stack = one environment (staging, prod).
 * Config is validated up front; see stacks/config for every key and README.md for the flow.
 */
import { loadStackConfig } from "./load";
import { buildPlatform } from "./platform";

const { config, secrets } = loadStackConfig();

export = buildPlatform(config, secrets);
