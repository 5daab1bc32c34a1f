/**
 * `npm run capacity -- --stack <stack> --from <loadtest report.json> | --from-k6 <k6 summary.json> [--dry-run]`:
 * writes the measured signups per second per instance into Pulumi.<stack>.yaml (renfort:capacity).
 * See ./README.md.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EXIT, ToolFailure, UsageError, VerdictFailure, errorMessage, fromUserDir, renderHelp, runCommand } from "../cli/conventions";
import { reportFromK6Summary } from "../loadtest/k6";
import { campaignReportSchema, type CampaignReport } from "../loadtest/report";
import { CAPACITY_KEY, applyCapacityMeasurement, measurementFromReport } from "./writeback";

const USAGE = renderHelp({
  usage: [
    "npm run capacity -- --stack <staging|prod|...> (--from <loadtest report.json> | --from-k6 <k6 summary.json>)",
    "                    [--instances <n>] [--dir <project dir>] [--dry-run]",
  ],
  summary: `Writes the campaign's held signups per second per instance into Pulumi.<stack>.yaml at
${CAPACITY_KEY}.signupsPerSecondPerInstance, with measuredAt and measurementSource, keeping every
comment and other value of the file. The report must be a signup campaign whose first step held.`,
  options: [
    ["--stack <name>", "the stack whose Pulumi.<name>.yaml is updated"],
    ["--from <file.json>", "the JSON report of `npm run loadtest -- --report <file>`"],
    ["--from-k6 <file.json>", "the end-of-test summary of the script `npm run loadtest -- --export-k6` wrote, run as `k6 run --summary-export <file.json> script.js`; judged with the SLO the script carries in its thresholds"],
    ["--instances <n>", "--from-k6: instances behind the target, the held figure is per instance (default 1)"],
    ["--dir <dir>", "the project directory holding the stack files (default: the repository root)"],
    ["--dry-run", "print the change, write nothing"],
  ],
  ok: "written (or dry run)",
  verdictFailed: "the campaign shows no held signup rate (refused)",
  usageError: "missing option, unreadable or malformed file, no stack file or capacity block",
  toolFailure: "the stack file cannot be written",
});

/** `path` resolved from the user's directory; `shown` as the user typed it. */
function readJson(flag: string, path: string, shown: string): unknown {
  if (!existsSync(path)) throw new UsageError(`--${flag}: no file at ${shown} (${path})`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(`--${flag}: ${shown} is not JSON (${errorMessage(err)})`);
  }
}

function main(): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        from: { type: "string" },
        "from-k6": { type: "string" },
        instances: { type: "string" },
        dir: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return EXIT.ok;
  }
  if (values.stack === undefined || !/^[A-Za-z0-9_.-]+$/.test(values.stack)) {
    throw new UsageError("--stack is required and must be a stack name, e.g. --stack prod");
  }
  if ((values.from === undefined) === (values["from-k6"] === undefined)) {
    throw new UsageError("give exactly one of --from <loadtest report.json> and --from-k6 <k6 summary.json>");
  }
  const instancesText = values.instances ?? "1";
  const instances = Number(instancesText);
  if (!Number.isInteger(instances) || instances < 1) throw new UsageError(`--instances must be an integer >= 1, got "${instancesText}"`);
  if (values.instances !== undefined && values.from !== undefined) {
    throw new UsageError("--instances applies to --from-k6 only (a loadtest report records its own)");
  }
  // The repository root by default (where the stack files are), wherever npm was run from.
  const dir = values.dir === undefined ? resolve(__dirname, "../..") : fromUserDir(values.dir);
  const stackFile = resolve(dir, `Pulumi.${values.stack}.yaml`);
  if (!existsSync(stackFile)) throw new UsageError(`no stack file ${stackFile}: --stack must name an existing stack (or pass --dir)`);

  let report: CampaignReport;
  let reportPath: string;
  if (values.from !== undefined) {
    reportPath = fromUserDir(values.from);
    const parsed = campaignReportSchema.safeParse(readJson("from", reportPath, values.from));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`--from: ${values.from} is not a loadtest report (${issue.path.join(".") || "root"}: ${issue.message})`);
    }
    report = parsed.data;
  } else {
    reportPath = fromUserDir(values["from-k6"] ?? "");
    try {
      // The summary carries no timestamp: the campaign finished when k6 wrote it.
      const finishedAt = statSync(reportPath).mtime.toISOString();
      report = reportFromK6Summary(readJson("from-k6", reportPath, values["from-k6"] ?? ""), { instances, source: values["from-k6"] ?? "", finishedAt });
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--from-k6: ${errorMessage(err)}`);
    }
  }
  // The source is recorded relative to the stack file, so it stays meaningful in the repository.
  const source = relative(dir, reportPath).split("\\").join("/");
  let measurement;
  let notes: string[];
  try {
    ({ measurement, notes } = measurementFromReport(report, source, values.stack));
  } catch (err) {
    // The campaign refused as a measurement (it failed, or measured no signup): a verdict, exit 1.
    throw new VerdictFailure(errorMessage(err));
  }
  const fileName = relative(fromUserDir("."), stackFile) || stackFile;
  let text: string;
  let previous: number | null;
  try {
    ({ text, previous } = applyCapacityMeasurement(readFileSync(stackFile, "utf8"), fileName, measurement));
  } catch (err) {
    // Its refusals (no capacity block, invalid YAML, schema) are input errors.
    throw new UsageError(errorMessage(err));
  }
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  process.stdout.write(
    `${fileName}: ${CAPACITY_KEY}.signupsPerSecondPerInstance ${previous ?? "(unset)"} -> ${measurement.signupsPerSecondPerInstance} ` +
      `(measured ${measurement.measuredAt}, from ${measurement.measurementSource})\n`,
  );
  if (values["dry-run"]) {
    process.stdout.write("dry run: nothing written\n");
    return EXIT.ok;
  }
  try {
    writeFileSync(stackFile, text);
  } catch (err) {
    throw new ToolFailure(`cannot write ${stackFile}: ${errorMessage(err)}`);
  }
  process.stdout.write(`written; check the capacity verdict with: npm run plan -- --stack ${values.stack}\n`);
  return EXIT.ok;
}

runCommand("capacity", main);
