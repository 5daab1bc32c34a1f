/**
 * `npm run capacity -- --stack <stack> --from <loadtest report.json> [--dry-run]`: writes the measured
 * signups per second per instance into Pulumi.<stack>.yaml (renfort:capacity). See ./README.md.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { campaignReportSchema } from "../loadtest/report";
import { CAPACITY_KEY, applyCapacityMeasurement, measurementFromReport } from "./writeback";

const USAGE = `Usage: npm run capacity -- --stack <staging|prod|...> --from <loadtest report.json> [--dir <project dir>] [--dry-run]

Writes the report's heldSignupsPerSecond into Pulumi.<stack>.yaml at ${CAPACITY_KEY}.signupsPerSecondPerInstance,
with measuredAt and measurementSource, keeping every comment and other value of the file.`;

function main(): number {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      stack: { type: "string" },
      from: { type: "string" },
      dir: { type: "string", default: "." },
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (values.stack === undefined || !/^[A-Za-z0-9_.-]+$/.test(values.stack)) {
    throw new Error("--stack is required and must be a stack name, e.g. --stack prod");
  }
  if (values.from === undefined) throw new Error("--from is required: the JSON report of `npm run loadtest -- --report <file>`");
  const dir = resolve(values.dir ?? ".");
  const stackFile = resolve(dir, `Pulumi.${values.stack}.yaml`);
  if (!existsSync(stackFile)) throw new Error(`no stack file ${stackFile}: --stack must name an existing stack (or pass --dir)`);
  if (!existsSync(values.from)) throw new Error(`--from: no report at ${values.from}`);

  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(values.from, "utf8"));
  } catch (err) {
    throw new Error(`--from: ${values.from} is not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const parsed = campaignReportSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--from: ${values.from} is not a loadtest report (${issue.path.join(".") || "root"}: ${issue.message})`);
  }
  // The source is recorded relative to the stack file, so it stays meaningful in the repository.
  const source = relative(dir, resolve(values.from)).split("\\").join("/");
  const { measurement, notes } = measurementFromReport(parsed.data, source, values.stack);
  const fileName = relative(process.cwd(), stackFile) || stackFile;
  const { text, previous } = applyCapacityMeasurement(readFileSync(stackFile, "utf8"), fileName, measurement);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  process.stdout.write(
    `${fileName}: ${CAPACITY_KEY}.signupsPerSecondPerInstance ${previous ?? "(unset)"} -> ${measurement.signupsPerSecondPerInstance} ` +
      `(measured ${measurement.measuredAt}, from ${measurement.measurementSource})\n`,
  );
  if (values["dry-run"]) {
    process.stdout.write("dry run: nothing written\n");
    return 0;
  }
  writeFileSync(stackFile, text);
  process.stdout.write(`written; check the capacity verdict with: npm run plan -- --stack ${values.stack}\n`);
  return 0;
}

try {
  process.exit(main());
} catch (err) {
  process.stderr.write(`capacity: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
