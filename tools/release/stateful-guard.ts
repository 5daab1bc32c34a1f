/**
 * Stateful guard: reads the JSON of `pulumi preview --json` and refuses a change that would delete or
 * replace a stateful resource (tools/release/stateful-types.ts) unless that resource's URN is approved.
 *
 * `pulumi preview --json` prints one document: `{ config, steps: [{ op, urn, provider, oldState,
 * newState, diffReasons, replaceReasons, detailedDiff }], diagnostics, duration, changeSummary }`
 * (https://www.pulumi.com/docs/iac/cli/commands/pulumi_preview/). A replacement appears as up to three
 * steps on the same URN (`create-replacement`, `replace`, `delete-replaced`); a removal as `delete`.
 *
 * Usage:
 *   npm run guard:stateful -- --preview preview.json [--approvals "urn1,urn2"]
 *                             [--merged-pr merged-pr.json --codeowners CODEOWNERS]
 *                             [--event-log events.jsonl --policy-config policies/config/prod.json]
 * Approvals also come from RENFORT_STATEFUL_APPROVALS, and from the merged pull request's code-owner
 * reviews and comments (tools/release/approvals.ts; recorded by release-stack.yml). With an event log and the policy config, it
 * also fails when a mandatory policy could not run during the preview (tools/release/unknown-downgrade.ts).
 * Exit codes (tools/cli/conventions.ts): 0 nothing at risk or all approved; 1 a stateful resource would be
 * deleted or replaced without approval, or a mandatory policy was downgraded; 2 bad option or unreadable
 * input; 3 the tool failed. `--help` lists the options.
 */
import { readFileSync } from "fs";
import { EXIT, UsageError, fromUserDir, parseOptions, processIo, renderHelp, runCommand } from "../cli/conventions";
import { approvalsFromList, approvalsFromMergedPullRequest, APPROVAL_TRAILER, parseMergedPullRequestRecord } from "./approvals";
import { statefulType, typeFromUrn } from "./stateful-types";
import { findDowngrades, formatDowngrades, policyEventsFromLog } from "./unknown-downgrade";

/** Step operations that destroy the resource as it is (https://www.pulumi.com/docs/iac/concepts/how-pulumi-works/). */
export const DESTRUCTIVE_OPS = ["delete", "replace", "create-replacement", "delete-replaced"] as const;

interface PreviewState {
  type?: string;
  protect?: boolean;
}

export interface PreviewStep {
  op: string;
  urn: string;
  provider?: string;
  type?: string;
  oldState?: PreviewState;
  newState?: PreviewState;
  diffReasons?: string[];
  replaceReasons?: string[];
}

export interface PreviewDigest {
  steps: PreviewStep[];
  changeSummary?: Record<string, number>;
}

export interface AtRisk {
  urn: string;
  type: string;
  /** Operations the preview plans on it, e.g. ["create-replacement", "replace", "delete-replaced"]. */
  ops: string[];
  /** "delete" when removed, "replace" otherwise. */
  action: "delete" | "replace";
  replaceReasons: string[];
  loss: string;
  approved: boolean;
}

export interface GuardResult {
  ok: boolean;
  atRisk: AtRisk[];
  /** Approved URNs that match no planned step (typo, or the change went away): reported, not fatal. */
  unusedApprovals: string[];
}

/** Validates the preview document and returns its steps. */
export function parsePreview(doc: unknown, source = "preview"): PreviewDigest {
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as { steps?: unknown }).steps)) {
    throw new Error(
      `${source}: not the output of \`pulumi preview --json\` (no top-level "steps" array). Run \`pulumi preview --stack <s> --json > preview.json\`; a failed preview prints no steps.`,
    );
  }
  const steps = (doc as { steps: unknown[] }).steps.map((s, i) => {
    const st = s as Partial<PreviewStep>;
    if (typeof st.op !== "string" || typeof st.urn !== "string") throw new Error(`${source}: steps[${i}] has no op/urn`);
    return st as PreviewStep;
  });
  const out: PreviewDigest = { steps };
  const summary = (doc as { changeSummary?: Record<string, number> }).changeSummary;
  if (summary) out.changeSummary = summary;
  return out;
}

function stepType(step: PreviewStep): string {
  return step.newState?.type ?? step.oldState?.type ?? step.type ?? typeFromUrn(step.urn) ?? "";
}

/** Pure check of a preview against the approved URNs. */
export function checkPreview(preview: PreviewDigest, approvedUrns: readonly string[]): GuardResult {
  const approved = new Set(approvedUrns);
  const byUrn = new Map<string, AtRisk>();
  for (const step of preview.steps) {
    if (!(DESTRUCTIVE_OPS as readonly string[]).includes(step.op)) continue;
    const type = stepType(step);
    const st = statefulType(type);
    if (!st) continue;
    const entry = byUrn.get(step.urn) ?? {
      urn: step.urn,
      type,
      ops: [],
      action: "delete" as const,
      replaceReasons: [],
      loss: st.loss,
      approved: approved.has(step.urn),
    };
    if (!entry.ops.includes(step.op)) entry.ops.push(step.op);
    if (step.op !== "delete") entry.action = "replace";
    for (const r of step.replaceReasons ?? []) if (!entry.replaceReasons.includes(r)) entry.replaceReasons.push(r);
    byUrn.set(step.urn, entry);
  }
  const atRisk = [...byUrn.values()].sort((a, b) => a.urn.localeCompare(b.urn));
  return {
    ok: atRisk.every((r) => r.approved),
    atRisk,
    unusedApprovals: [...approved].filter((u) => !byUrn.has(u)),
  };
}

/** The report printed by the CLI (and shown in the job log). */
export function formatGuardReport(result: GuardResult, notes: readonly string[] = []): string {
  const lines: string[] = [];
  if (result.atRisk.length === 0) {
    lines.push("stateful guard: no database, dedicated IP or zone-level resource would be deleted or replaced.");
  }
  for (const r of result.atRisk) {
    const why = r.replaceReasons.length ? ` (replace reasons: ${r.replaceReasons.join(", ")})` : "";
    lines.push(`${r.approved ? "APPROVED" : "BLOCKED "} ${r.action} ${r.type} ${r.urn}${why}: loses ${r.loss} [${r.ops.join(", ")}]`);
  }
  for (const u of result.unusedApprovals) lines.push(`note: approval for ${u} matches no planned delete/replace`);
  if (!result.ok) {
    lines.push(
      "",
      "To go ahead on purpose: a code owner of the stack file approves the pull request with a review (or writes a comment) holding one line per blocked resource:",
      ...result.atRisk.filter((r) => !r.approved).map((r) => `  ${APPROVAL_TRAILER}: ${r.urn}`),
      "Otherwise keep the resource: add an `aliases` option for a rename/move, or revert the input that forces the replacement.",
    );
    for (const n of notes) lines.push(`(${n})`);
  }
  return lines.join("\n");
}

interface CliArgs {
  preview?: string;
  approvals?: string;
  mergedPr?: string;
  codeowners?: string;
  eventLog?: string;
  policyConfig?: string;
  help: boolean;
}

export const HELP = renderHelp({
  usage: [
    'npm run guard:stateful -- --preview <preview.json> [--approvals "urn1,urn2"]',
    "                          [--merged-pr <merged-pr.json> --codeowners <CODEOWNERS>]",
    "                          [--event-log <events.jsonl> --policy-config <policies/config/<stack>.json>]",
  ],
  summary: `Refuses a \`pulumi preview --json\` that deletes or replaces a stateful resource (database, dedicated IP,
load balancer, zone, zone settings or ruleset, registry namespace) unless its URN is approved; with the
event log and the policy config, also a mandatory policy that could not run during the preview.`,
  options: [
    ["--preview <file>", "the output of pulumi preview --stack <s> --json (required)"],
    ["--approvals <urns>", "approved URNs, comma- or newline-separated"],
    ["--merged-pr <file>", "the merged pull request's record (release-stack.yml writes it): code owners' approvals"],
    ["--codeowners <file>", "CODEOWNERS as main had it before the merge (with --merged-pr)"],
    ["--event-log <file>", "the preview's --event-log (with --policy-config)"],
    ["--policy-config <file>", "the stack's policy-pack config (with --event-log)"],
  ],
  environment: [["RENFORT_STATEFUL_APPROVALS", "more approved URNs, as --approvals"]],
  verdictFailed: "a stateful resource would be deleted or replaced without approval, or a mandatory policy was downgraded",
  usageError: "bad option, an input file that cannot be read or is not what it should be",
});

export function parseArgs(argv: string[]): CliArgs {
  const { values } = parseOptions(argv, {
    preview: { type: "string" },
    approvals: { type: "string" },
    "merged-pr": { type: "string" },
    codeowners: { type: "string" },
    "event-log": { type: "string" },
    "policy-config": { type: "string" },
  });
  const path = (p: string | undefined) => (p === undefined ? undefined : fromUserDir(p));
  const out: CliArgs = {
    preview: path(values.preview),
    approvals: values.approvals,
    mergedPr: path(values["merged-pr"]),
    codeowners: path(values.codeowners),
    eventLog: path(values["event-log"]),
    policyConfig: path(values["policy-config"]),
    help: values.help ?? false,
  };
  if (out.help) return out;
  if (Boolean(out.mergedPr) !== Boolean(out.codeowners)) {
    throw new UsageError("--merged-pr and --codeowners go together (the merged pull request's reviews and comments, and CODEOWNERS as main had it before the merge)");
  }
  if (Boolean(out.eventLog) !== Boolean(out.policyConfig)) {
    throw new UsageError("--event-log and --policy-config go together (the preview's event log and the stack's policy-pack config)");
  }
  if (!out.preview) throw new UsageError("--preview <file> is required (the output of `pulumi preview --json`)");
  return out;
}

/** The report goes to `log` (stdout), errors to `error` (stderr). Returns the exit code. */
export function main(argv: string[], env: NodeJS.ProcessEnv, log: (s: string) => void, error: (s: string) => void = log): number {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    error(`guard:stateful: ${(e as Error).message}`);
    error("(npm run guard:stateful -- --help lists the options)");
    return EXIT.usage;
  }
  if (args.help) {
    log(HELP);
    return EXIT.ok;
  }
  let preview: PreviewDigest;
  try {
    preview = parsePreview(JSON.parse(readFileSync(args.preview!, "utf8")), args.preview);
  } catch (e) {
    error(`guard:stateful: cannot read ${args.preview}: ${(e as Error).message}`);
    return EXIT.usage;
  }
  const urns = [...approvalsFromList(args.approvals), ...approvalsFromList(env.RENFORT_STATEFUL_APPROVALS)];
  let notes: string[] = [];
  if (args.mergedPr && args.codeowners) {
    try {
      const record = parseMergedPullRequestRecord(JSON.parse(readFileSync(args.mergedPr, "utf8")), args.mergedPr);
      const fromPr = approvalsFromMergedPullRequest(record, readFileSync(args.codeowners, "utf8"));
      urns.push(...fromPr.urns);
      notes = fromPr.notes;
    } catch (e) {
      error(`guard:stateful: cannot read ${args.mergedPr} or ${args.codeowners}: ${(e as Error).message}`);
      return EXIT.usage;
    }
  }
  const result = checkPreview(preview, urns);
  log(formatGuardReport(result, notes));
  let downgraded = 0;
  if (args.eventLog && args.policyConfig) {
    try {
      const events = policyEventsFromLog(readFileSync(args.eventLog, "utf8"));
      const config = JSON.parse(readFileSync(args.policyConfig, "utf8")) as Record<string, unknown>;
      const ds = findDowngrades(events, config);
      downgraded = ds.length;
      log(formatDowngrades(ds));
    } catch (e) {
      error(`guard:stateful: cannot read ${args.eventLog} or ${args.policyConfig}: ${(e as Error).message}`);
      return EXIT.usage;
    }
  }
  return result.ok && downgraded === 0 ? EXIT.ok : EXIT.verdictFailed;
}

if (require.main === module) {
  runCommand("guard:stateful", () => main(process.argv.slice(2), process.env, processIo.out, processIo.err));
}
