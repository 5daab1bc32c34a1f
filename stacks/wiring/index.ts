/**
 * The stack's config as the program takes it: the schema's checks (stacks/config, which knows no
 * component), then what each component refuses in the args the config maps to, named by config key.
 */
import { ConfigError, parseConfigReport, type ParseOptions, type RenfortConfig } from "../config";
import { databaseConfigProblems } from "./database";
import { edgeConfigProblems } from "./edge";

/** Every component's problems with this config; [] when every component accepts its args. */
export function componentConfigProblems(cfg: RenfortConfig): string[] {
  return [...databaseConfigProblems(cfg), ...edgeConfigProblems(cfg)];
}

/** Like `parseConfigReport`, then the components' own checks (always errors, whatever the tier). */
export function parseStackConfigReport(raw: Record<string, unknown>, options: ParseOptions = {}): { config: RenfortConfig; posture: string[] } {
  const report = parseConfigReport(raw, options);
  const problems = componentConfigProblems(report.config);
  if (problems.length > 0) throw new ConfigError(problems);
  return report;
}

/** The validated config of a stack, or a {@link ConfigError} listing every problem (posture ones included). */
export function parseStackConfig(raw: Record<string, unknown>, options: ParseOptions = {}): RenfortConfig {
  const { config, posture } = parseStackConfigReport(raw, options);
  if (posture.length > 0) throw new ConfigError(posture);
  return config;
}
