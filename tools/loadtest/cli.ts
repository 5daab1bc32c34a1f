/**
 * `npm run loadtest -- --url <base url> [--scenario signup|home|apex] ...`: runs a load campaign and writes
 * its report (JSON, chart, HTML, Markdown). See ./README.md and `--help`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { apexFigures, runRedirectBaseline, type Baseline } from "./apex";
import { USAGE, parseLoadtestArgs, type LoadtestArgs } from "./args";
import { runCampaign } from "./campaign";
import { chartPaths, renderChartSvg, renderHtml } from "./chart";
import { EXIT, UsageError, errorMessage } from "../cli/conventions";
import { sqlActivation } from "./activation";
import { buildK6Script } from "./k6";
import { formatMix } from "./mix";
import { formatProgress } from "./progress";
import { campaignReportSchema, renderMarkdown, type CampaignReport } from "./report";
import { newRunId } from "./traffic";

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function writeReports(args: LoadtestArgs, report: CampaignReport): void {
  writeFile(args.reportPath, JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(`report: ${args.reportPath}\n`);
  const svg = renderChartSvg(report);
  const paths = chartPaths(args.reportPath);
  writeFile(paths.svg, svg);
  writeFile(paths.html, renderHtml(report, svg));
  process.stdout.write(`chart: ${paths.svg}\nhtml: ${paths.html}\n`);
  if (args.markdownPath !== null) {
    writeFile(args.markdownPath, renderMarkdown(report));
    process.stdout.write(`markdown: ${args.markdownPath}\n`);
  }
}

/** --render: the chart and HTML of a report written earlier (a kept measurement, a k6-derived one). */
function render(path: string): number {
  let report: CampaignReport;
  try {
    const parsed = campaignReportSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`${path} is not a loadtest report (${issue.path.join(".") || "root"}: ${issue.message})`);
    }
    report = parsed.data;
  } catch (err) {
    process.stderr.write(`loadtest: --render: ${errorMessage(err)}\n`);
    return EXIT.usage;
  }
  const svg = renderChartSvg(report);
  const paths = chartPaths(path);
  writeFile(paths.svg, svg);
  writeFile(paths.html, renderHtml(report, svg));
  process.stdout.write(`chart: ${paths.svg}\nhtml: ${paths.html}\n`);
  return EXIT.ok;
}

async function main(): Promise<number> {
  let args: LoadtestArgs;
  try {
    const parsed = parseLoadtestArgs(process.argv.slice(2), process.env);
    if (parsed.help) {
      process.stdout.write(USAGE + "\n");
      return EXIT.ok;
    }
    if (parsed.render !== undefined) return render(parsed.render);
    args = parsed.args;
  } catch (err) {
    process.stderr.write(`loadtest: ${errorMessage(err)}\n(npm run loadtest -- --help lists the options)\n`);
    return EXIT.usage;
  }

  let ca: Buffer | undefined;
  if (args.caFile !== null) {
    try {
      ca = readFileSync(args.caFile);
    } catch (err) {
      process.stderr.write(`loadtest: --ca-file: cannot read ${args.caFile} (${errorMessage(err)})\n`);
      return EXIT.usage;
    }
    if (!ca.toString("latin1").includes("-----BEGIN CERTIFICATE-----")) {
      process.stderr.write(`loadtest: --ca-file: ${args.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)\n`);
      return EXIT.usage;
    }
  }

  if (args.exportK6Path !== null) {
    try {
      writeFile(
        args.exportK6Path,
        buildK6Script({
          scenario: args.scenario,
          url: args.url,
          steps: args.steps,
          stepSeconds: args.stepSeconds,
          warmupSeconds: args.warmupSeconds,
          slo: args.slo,
          mix: args.mix,
          timeoutMs: args.timeoutMs,
          emailDomain: args.emailDomain,
          hostHeader: args.hostHeader,
          servername: args.servername,
          mainHost: args.mainHost,
          cacheStatusHeader: args.cacheStatusHeader,
          caFile: args.caFile,
          localAddress: args.localAddress,
          generatedAt: new Date().toISOString(),
        }),
      );
    } catch (err) {
      process.stderr.write(`loadtest: cannot write ${args.exportK6Path}: ${errorMessage(err)}\n`);
      return EXIT.toolFailure;
    }
    process.stdout.write(
      `k6 script: ${args.exportK6Path} (${args.scenario}, steps ${args.steps.join(",")}); run it with\n` +
        `  k6 run --summary-export summary.json ${args.exportK6Path}\nthen: npm run capacity -- --stack <stack> --from-k6 summary.json\n`,
    );
    return EXIT.ok;
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
  const unit = args.scenario === "signup" ? "signups/s" : args.scenario === "home" ? "requests/s" : "redirects/s";
  process.stdout.write(
    `loadtest ${runId}: ${args.scenario} on ${args.url} (${args.target.why}), steps ${args.steps.join(",")} ${unit} x ${args.stepSeconds} s, ` +
      `mix ${formatMix(args.mix)}, SLO p99 <= ${args.slo.p99Ms} ms and errors <= ${args.slo.maxErrorRate * 100}%, ` +
      `up to ${Math.min(args.plannedRequests, args.maxRequests)} requests in ${args.plannedSeconds} s\n`,
  );
  if (args.target.why === "production-acknowledged") {
    process.stdout.write("loadtest: firing at a production target (--i-know-this-is-production)\n");
  }

  let report: CampaignReport;
  const activation = process.env.LOADTEST_ACTIVATION_DATABASE_URL ? sqlActivation(process.env.LOADTEST_ACTIVATION_DATABASE_URL, process.env.LOADTEST_DATABASE_SCHEMA || undefined) : undefined;
  try {
    report = await runCampaign({
      ...(activation ? { activate: activation.activate } : {}),
      scenario: args.scenario,
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
      ca,
      servername: args.servername ?? undefined,
      hostHeader: args.hostHeader ?? undefined,
      localAddress: args.localAddress ?? undefined,
      cacheStatusHeader: args.cacheStatusHeader,
      mainHost: args.mainHost ?? undefined,
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
    process.stderr.write(`loadtest: ${errorMessage(err)}\n`);
    return err instanceof UsageError ? EXIT.usage : EXIT.toolFailure;
  } finally {
    await activation?.close();
  }
  clearProgress();
  let baselineFailed = false;
  if (report.config.scenario === "apex") {
    let baseline: Baseline | null = null;
    let skipped: string | null = null;
    if (args.baseline.seconds === 0) skipped = "--baseline-seconds 0";
    else if (interrupt.signal.aborted) skipped = "the campaign was interrupted";
    else {
      process.stdout.write(`baseline: a bare HAProxy serving the same redirect, measured with wrk for ${args.baseline.seconds} s\n`);
      try {
        baseline = await runRedirectBaseline({
          haproxy: args.baseline.haproxy,
          wrk: args.baseline.wrk,
          mainHost: args.mainHost ?? "",
          scheme: new URL(args.url).protocol === "https:" ? "https" : "http",
          seconds: args.baseline.seconds,
          connections: args.baseline.connections,
        });
      } catch (err) {
        skipped = `the baseline failed: ${errorMessage(err)}`;
        baselineFailed = true;
        process.stderr.write(`loadtest: ${skipped}\n`);
      }
    }
    report = { ...report, apex: apexFigures(report.steps, baseline, skipped) };
  }
  try {
    writeReports(args, report);
  } catch (err) {
    process.stderr.write(`loadtest: cannot write the report: ${errorMessage(err)}\n`);
    return EXIT.toolFailure;
  }
  process.stdout.write(`\n${renderMarkdown(report)}`);
  if (baselineFailed) return EXIT.toolFailure;
  switch (report.outcome) {
    case "held-all-steps":
      return EXIT.ok;
    case "failed":
    case "budget-exhausted":
      return EXIT.verdictFailed;
    case "interrupted":
      return EXIT.interrupted;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`loadtest: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.toolFailure);
  },
);
