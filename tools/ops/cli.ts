/**
 * `npm run ops -- degraded on|off|status --stack <s> [--reason "..."] [--url <base>]`: the fleet-wide
 * degraded mode from a laptop; `npm run ops -- apex-certificate --stack <s>`: the apex certificate each
 * load balancer presents (./apex-certificate.ts). See ./README.md and `--help`.
 */
import { existsSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { runCommand } from "../cli/conventions";
import { apexCertificateMain } from "./apex-certificate";
import { readStackFile } from "../plan/stack-file";
import {
  EXIT,
  USAGE,
  UsageError,
  baseUrlFromStackConfig,
  formatReports,
  parseOpsArgs,
  reportFrom,
  send,
  verdictOf,
  type InstanceReport,
} from "./degraded";

const PROJECT_DIR = join(__dirname, "..", "..");
const PATH = "/api/admin/degraded-mode";

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv[0] === "apex-certificate") return apexCertificateMain(argv.slice(1), env);
  const args = parseOpsArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE + "\n");
    return EXIT.ok;
  }
  const token = env.RENFORT_ADMIN_TOKEN;
  if (token === undefined || token.trim() === "") throw new UsageError("RENFORT_ADMIN_TOKEN is not set: export the stack's admin token (renfort:app.adminToken) in the environment");
  let base = args.url;
  if (base === undefined) {
    const file = join(PROJECT_DIR, `Pulumi.${args.stack!}.yaml`);
    if (!existsSync(file)) throw new UsageError(`no stack file Pulumi.${args.stack!}.yaml in ${PROJECT_DIR}: --stack must name an existing stack`);
    base = baseUrlFromStackConfig(readStackFile(file).config, args.stack!);
  }
  const url = base.replace(/\/+$/, "") + PATH;
  const expected = args.action === "status" ? undefined : args.action === "on";

  const reports: InstanceReport[] = [];
  if (expected !== undefined) {
    const reason = args.reason ?? `${args.action} by ${userInfo().username}@${hostname()}`;
    const answer = await send("PUT", url, token.trim(), JSON.stringify({ enabled: expected, reason }));
    const r = reportFrom(answer, `PUT ${url}`);
    process.stdout.write(`degraded mode ${expected ? "on" : "off"} set through instance ${r.instance} at ${r.changedAt ?? "?"} (reason: ${r.reason ?? reason})\n`);
    reports.push(r);
  }
  process.stdout.write(`polling ${url} ${args.polls} time(s)${expected !== undefined ? `, up to ${args.waitSeconds} s for every instance to apply it` : ""}\n`);
  const deadline = Date.now() + args.waitSeconds * 1000;
  let polls = 0;
  for (;;) {
    reports.push(reportFrom(await send("GET", url, token.trim()), `GET ${url}`));
    polls += 1;
    const v = verdictOf(reports, expected);
    // on/off: keep polling past --polls while some instance seen has not applied the mode yet, until --wait
    const done = polls >= args.polls && (v.ok || expected === undefined || Date.now() > deadline);
    if (done) {
      process.stdout.write(formatReports(v, expected) + "\n");
      return v.ok ? EXIT.ok : EXIT.verdictFailed;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

runCommand("ops", () => main(process.argv.slice(2), process.env));
