/**
 * `npm run loadtest -- --url <base url> ...`: runs a load campaign and writes its report.
 * See ./README.md and `--help`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { USAGE, parseLoadtestArgs, type LoadtestArgs } from "./args";
import { runCampaign } from "./campaign";
import { formatMix } from "./mix";
import { formatProgress } from "./progress";
import { renderMarkdown, type CampaignReport } from "./report";
import { newRunId } from "./traffic";

const EXIT = { held: 0, refused: 2, failed: 3, budget: 4, interrupted: 130 } as const;

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, text);
}

function writeReports(args: LoadtestArgs, report: CampaignReport): void {
  writeFile(args.reportPath, JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(`report: ${args.reportPath}\n`);
  if (args.markdownPath !== null) {
    writeFile(args.markdownPath, renderMarkdown(report));
    process.stdout.write(`markdown: ${args.markdownPath}\n`);
  }
}

async function main(): Promise<number> {
  let args: LoadtestArgs;
  try {
    const parsed = parseLoadtestArgs(process.argv.slice(2), process.env);
    if (parsed.help) {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    args = parsed.args;
  } catch (err) {
    process.stderr.write(`loadtest: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return EXIT.refused;
  }

  const runId = newRunId(Date.now(), Math.random());
  const interrupt = new AbortController();
  // Ctrl-C (and a CI job's SIGTERM) stop the campaign cleanly and still write the partial report.
  const onSignal = (name: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) {
      process.stderr.write(`\nloadtest: second ${name}, exiting without waiting\n`);
      process.exit(EXIT.interrupted);
    }
    process.stderr.write(`\nloadtest: ${name}: stopping (in-flight requests get 2 s), then writing the partial report\n`);
    interrupt.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const tty = process.stderr.isTTY === true;
  let progressShown = false;
  const clearProgress = (): void => {
    if (tty && progressShown) process.stderr.write("\r\x1b[2K");
    progressShown = false;
  };
  process.stdout.write(
    `loadtest ${runId}: ${args.url} (${args.target.why}), steps ${args.steps.join(",")} signups/s x ${args.stepSeconds} s, ` +
      `mix ${formatMix(args.mix)}, SLO p99 <= ${args.slo.p99Ms} ms and errors <= ${args.slo.maxErrorRate * 100}%, ` +
      `up to ${Math.min(args.plannedRequests, args.maxRequests)} requests in ${args.plannedSeconds} s\n`,
  );
  if (args.target.why === "production-acknowledged") {
    process.stdout.write("loadtest: firing at a production target (--i-know-this-is-production)\n");
  }

  let report: CampaignReport;
  try {
    report = await runCampaign({
      url: args.url,
      steps: args.steps,
      stepSeconds: args.stepSeconds,
      warmupSeconds: args.warmupSeconds,
      slo: args.slo,
      mix: args.mix,
      instances: args.instances,
      clientIps: args.clientIps,
      maxRequests: args.maxRequests,
      timeoutMs: args.timeoutMs,
      connections: args.connections,
      emailDomain: args.emailDomain,
      runId,
      signal: interrupt.signal,
      progressIntervalMs: tty ? 500 : 5000,
      onProgress: (p) => {
        if (tty) {
          process.stderr.write(`\r\x1b[2K${formatProgress(p)}`);
          progressShown = true;
        } else {
          process.stderr.write(`${formatProgress(p)}\n`);
        }
      },
      log: (line) => {
        clearProgress();
        process.stdout.write(`${line}\n`);
      },
    });
  } catch (err) {
    clearProgress();
    process.stderr.write(`loadtest: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.refused;
  }
  clearProgress();
  writeReports(args, report);
  process.stdout.write(`\n${renderMarkdown(report)}`);
  switch (report.outcome) {
    case "held-all-steps":
      return EXIT.held;
    case "failed":
      return EXIT.failed;
    case "budget-exhausted":
      return EXIT.budget;
    case "interrupted":
      return EXIT.interrupted;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`loadtest: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
