/**
 * Change-freeze windows for production deploys.
 *
 * The calendar (release/freeze-windows.yaml) is in UTC only: a deploy gate must give the same answer
 * wherever the runner is and whatever the daylight-saving rules do, so no time zone is ever applied.
 * `start` is inclusive and `end` exclusive, so back-to-back windows leave no gap and do not overlap.
 *
 * Usage (prod deploy job):
 *   npm run freeze:check -- [--override-reason "why"] [--file release/freeze-windows.yaml] [--now 2026-12-03T18:00:00Z]
 * Exit codes (tools/cli/conventions.ts): 0 outside any window, or overridden with a reason (logged); 1 inside
 * a window; 2 bad calendar or arguments; 3 the tool failed. `--help` lists the options.
 */
import { appendFileSync, readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { z } from "zod";
import { EXIT, UsageError, fromUserDir, parseOptions, processIo, renderHelp, runCommand } from "../cli/conventions";

const DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;
const MINUTES_PER_WEEK = 7 * 24 * 60;

const utcInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/, "must be an ISO 8601 UTC time ending in Z, e.g. 2026-12-03T17:00:00Z")
  .refine((s) => !Number.isNaN(Date.parse(s)), "is not a valid date");

const weekTime = z
  .string()
  .regex(/^(MON|TUE|WED|THU|FRI|SAT|SUN) ([01]\d|2[0-3]):[0-5]\d$/, 'must be "<DAY> HH:MM" in UTC with DAY in MON..SUN, e.g. "FRI 15:00"');

const oneOffSchema = z
  .object({ id: z.string().min(1), start: utcInstant, end: utcInstant, reason: z.string().min(1) })
  .strict()
  .refine((w) => Date.parse(w.end) > Date.parse(w.start), { message: "end must be after start", path: ["end"] });

const weeklySchema = z
  .object({ id: z.string().min(1), from: weekTime, to: weekTime, reason: z.string().min(1) })
  .strict()
  .refine((w) => w.from !== w.to, { message: "from and to must differ (a window of a whole week is a permanent freeze)", path: ["to"] });

export const calendarSchema = z
  .object({ windows: z.array(oneOffSchema).default([]), weekly: z.array(weeklySchema).default([]) })
  .strict()
  .superRefine((c, ctx) => {
    const ids = [...c.windows, ...c.weekly].map((w) => w.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) ctx.addIssue({ code: "custom", message: `window id "${dup}" is used twice; ids must be unique`, path: ["windows"] });
  });

export type FreezeCalendar = z.infer<typeof calendarSchema>;

/** A window in effect at a given instant. */
export interface ActiveFreeze {
  id: string;
  reason: string;
  /** Start of this occurrence (inclusive). */
  start: Date;
  /** End of this occurrence (exclusive). */
  end: Date;
}

/** Parses and validates the calendar; errors name the file and the key. */
export function parseCalendar(text: string, source = "release/freeze-windows.yaml"): FreezeCalendar {
  const doc: unknown = parse(text) ?? {};
  const parsed = calendarSchema.safeParse(doc);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${source}: ${i.path.map(String).join(".") || "(root)"} ${i.message}`);
    throw new Error(issues.join("\n"));
  }
  return parsed.data;
}

function minuteOfWeek(spec: string): number {
  const [day, hm] = spec.split(" ") as [string, string];
  const [h, m] = hm.split(":").map(Number) as [number, number];
  return DAYS.indexOf(day as (typeof DAYS)[number]) * 1440 + h * 60 + m;
}

/** Monday 00:00 UTC of the week containing `t`. */
function weekStartUtc(t: Date): number {
  const day = (t.getUTCDay() + 6) % 7; // Monday = 0
  return Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - day);
}

/**
 * The freeze window in effect at `now`, or undefined. When several overlap, the one ending last wins
 * (that is when deploys are allowed again). Pure: the clock is the caller's.
 */
export function activeFreeze(calendar: FreezeCalendar, now: Date): ActiveFreeze | undefined {
  const t = now.getTime();
  const active: ActiveFreeze[] = [];
  for (const w of calendar.windows) {
    const start = Date.parse(w.start);
    const end = Date.parse(w.end);
    if (start <= t && t < end) active.push({ id: w.id, reason: w.reason, start: new Date(start), end: new Date(end) });
  }
  const weekStart = weekStartUtc(now);
  const minute = Math.floor((t - weekStart) / 60000);
  for (const w of calendar.weekly) {
    const from = minuteOfWeek(w.from);
    const to = minuteOfWeek(w.to);
    // Occurrence that started this week, or (when wrapping) last week.
    const length = (to - from + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
    const sinceStart = (minute - from + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
    if (sinceStart < length) {
      const start = t - sinceStart * 60000 - (t % 60000);
      active.push({ id: w.id, reason: w.reason, start: new Date(start), end: new Date(start + length * 60000) });
    }
  }
  active.sort((a, b) => b.end.getTime() - a.end.getTime());
  return active[0];
}

export interface FreezeDecision {
  allowed: boolean;
  freeze?: ActiveFreeze;
  overridden: boolean;
  message: string;
}

/** Minimum length of an override reason: a word like "fix" says nothing to the next reader. */
export const MIN_OVERRIDE_REASON = 10;

/** Decides whether a prod deploy may run at `now`. Pure. */
export function decide(calendar: FreezeCalendar, now: Date, override?: { reason?: string; actor?: string }): FreezeDecision {
  const freeze = activeFreeze(calendar, now);
  if (!freeze) return { allowed: true, overridden: false, message: `no freeze window at ${now.toISOString()}: deploy allowed` };
  const what = `freeze window "${freeze.id}" (${freeze.start.toISOString()} to ${freeze.end.toISOString()}, UTC): ${freeze.reason}`;
  const reason = override?.reason?.trim() ?? "";
  if (reason.length >= MIN_OVERRIDE_REASON) {
    return {
      allowed: true,
      freeze,
      overridden: true,
      message: `FREEZE OVERRIDDEN at ${now.toISOString()} by ${override?.actor ?? "unknown actor"}: ${what}. Override reason: ${reason}`,
    };
  }
  const hint =
    reason.length > 0
      ? `--override-reason must say why in at least ${MIN_OVERRIDE_REASON} characters, got "${reason}"`
      : `wait until ${freeze.end.toISOString()}, or run the deploy workflow by hand with freeze_override_reason (passed as --override-reason "<why>")`;
  return { allowed: false, freeze, overridden: false, message: `prod deploy refused: inside ${what}. ${hint}` };
}

interface CliArgs {
  file: string;
  now?: string;
  overrideReason?: string;
  help: boolean;
}

const DEFAULT_CALENDAR = join(__dirname, "..", "..", "release", "freeze-windows.yaml");

export const HELP = renderHelp({
  usage: ['npm run freeze:check -- [--override-reason "why"] [--file <calendar.yaml>] [--now <ISO 8601 UTC time>]'],
  summary: `Refuses a prod deploy inside a change-freeze window of the calendar (UTC only; start inclusive, end
exclusive). An override reason of at least ${MIN_OVERRIDE_REASON} characters lets it through, logged (and written
to the GitHub job summary when GITHUB_STEP_SUMMARY is set).`,
  options: [
    ['--override-reason "why"', "deploy inside a window anyway; an empty value means no override"],
    ["--file <calendar.yaml>", "the calendar (default: release/freeze-windows.yaml of the repository)"],
    ["--now <time>", "decide for this instant instead of now, e.g. 2026-12-03T18:00:00Z"],
  ],
  environment: [
    ["RENFORT_FREEZE_OVERRIDE_REASON", "the override reason when --override-reason is not given"],
    ["GITHUB_ACTOR", "who overrode (logged)"],
    ["GITHUB_STEP_SUMMARY", "file the override is appended to"],
  ],
  verdictFailed: "inside a freeze window, without a valid override",
  usageError: "bad option or --now, a calendar that does not parse or breaks its schema (the message names the key)",
});

function parseCliArgs(argv: string[]): CliArgs {
  const { values } = parseOptions(argv, {
    file: { type: "string" },
    now: { type: "string" },
    "override-reason": { type: "string" },
  });
  return {
    file: values.file === undefined ? DEFAULT_CALENDAR : fromUserDir(values.file),
    now: values.now,
    overrideReason: values["override-reason"],
    help: values.help ?? false,
  };
}

/** The decision goes to `log` (stdout), errors to `error` (stderr). Returns the exit code. */
export function main(argv: string[], env: NodeJS.ProcessEnv, clock: () => Date, log: (s: string) => void, error: (s: string) => void = log): number {
  let args: CliArgs;
  let calendar: FreezeCalendar;
  let now: Date;
  try {
    args = parseCliArgs(argv);
    if (args.help) {
      log(HELP);
      return EXIT.ok;
    }
    calendar = parseCalendar(readFileSync(args.file, "utf8"), args.file);
    now = args.now ? new Date(args.now) : clock();
    if (Number.isNaN(now.getTime())) throw new Error(`--now must be an ISO 8601 time, got "${args.now}"`);
  } catch (e) {
    error(`freeze:check: ${(e as Error).message}`);
    if (e instanceof UsageError) error("(npm run freeze:check -- --help lists the options)");
    return EXIT.usage;
  }
  // An empty string from an unset workflow input means "no override".
  const reason = args.overrideReason ?? env.RENFORT_FREEZE_OVERRIDE_REASON;
  const decision = decide(calendar, now, { reason, actor: env.GITHUB_ACTOR });
  if (decision.allowed) log(decision.message);
  else error(decision.message);
  if (decision.overridden && env.GITHUB_STEP_SUMMARY) {
    // The job summary keeps the override next to the run for whoever reviews the event later.
    appendFileSync(env.GITHUB_STEP_SUMMARY, `### :warning: Freeze overridden\n\n${decision.message}\n`);
  }
  return decision.allowed ? EXIT.ok : EXIT.verdictFailed;
}

if (require.main === module) {
  runCommand("freeze:check", () => main(process.argv.slice(2), process.env, () => new Date(), processIo.out, processIo.err));
}
