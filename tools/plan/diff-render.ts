/**
 * Renders a PlanDiff as the Markdown of one pull-request comment.
 *
 * - The first line is an HTML marker (`<!-- renfort-plan-diff:<stack> -->`): the workflow finds the
 *   comment carrying it and edits it instead of adding a new comment on every push.
 * - What needs a decision (stateful resources at risk, new mandatory violations, the capacity verdict)
 *   is shown open; long lists are folded in `<details>` blocks.
 * - The output never exceeds `maxChars`: GitHub rejects comment bodies above 65,536 characters
 *   (https://docs.github.com/en/rest/issues/comments#create-an-issue-comment, "body is too long").
 *   Entries that do not fit are dropped whole and a note says how many.
 */
import { AddedResource, ChangedResource, PlanDiff, StatefulRisk, ValueChange, isEmptyDiff } from "./diff";
import { JsonValue, PlanJsonViolation, SECRET_PLACEHOLDER, UNKNOWN_SENTINEL } from "./plan-json";
import { describeRelease } from "./diff-fleet";

export const GITHUB_COMMENT_LIMIT = 65536;
export const DEFAULT_MAX_CHARS = 60000;
/** Longest rendering of a single value in a table cell. */
const MAX_CELL = 300;
/** Most input rows shown for one resource. */
const MAX_ROWS_PER_RESOURCE = 60;
/** Longest multi-line text diffed line by line. */
const MAX_TEXT_LINES = 400;

export interface RenderOptions {
  stack: string;
  /** Hard cap on the returned string's length; default 60,000, at most 65,536. */
  maxChars?: number;
  /** The ref the change is compared with, for the header and the "run it locally" hint. */
  baseRef?: string;
}

/** The marker the workflow searches for to update the stack's comment in place. */
export function commentMarker(stack: string): string {
  return `<!-- renfort-plan-diff:${stack} -->`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Inline code that survives backticks and pipes inside a table cell. */
function code(s: string): string {
  const body = s.replace(/\|/g, "\\|").replace(/\r?\n/g, "\\n");
  return body.includes("`") ? `\`\` ${body} \`\`` : `\`${body}\``;
}

export function formatValue(v: JsonValue | undefined): string {
  if (v === undefined) return "—";
  if (v === SECRET_PLACEHOLDER) return "`[secret]`";
  if (v === UNKNOWN_SENTINEL) return "_(known after apply)_";
  return code(truncate(JSON.stringify(v), MAX_CELL));
}

/** Line diff (longest common subsequence) of two texts, as the lines of a ```diff block. */
export function lineDiff(before: string, after: string): string[] | undefined {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length > MAX_TEXT_LINES || b.length > MAX_TEXT_LINES) return undefined;
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      out.push(`+ ${truncate(b[j]!, MAX_CELL)}`);
      j++;
    } else {
      out.push(`- ${truncate(a[i]!, MAX_CELL)}`);
      i++;
    }
  }
  return out;
}

function changeRow(c: ValueChange): string {
  const path = code(c.path === "" ? "(value)" : c.path);
  switch (c.kind) {
    case "secret":
      return `| ${path} | \`[secret]\` | secret value (not comparable offline) |`;
    case "secret-changed":
      return `| ${path} | \`[secret]\` | \`[secret]\` (changed) |`;
    case "reordered":
      return `| ${path} | order ${formatValue(c.before)} | order ${formatValue(c.after)} |`;
    default:
      return `| ${path} | ${formatValue(c.before)} | ${formatValue(c.after)} |`;
  }
}

function isMultiline(v: JsonValue | undefined): v is string {
  return typeof v === "string" && v.includes("\n") && v !== SECRET_PLACEHOLDER;
}

function changesTable(changes: ValueChange[]): string {
  const rows = changes.slice(0, MAX_ROWS_PER_RESOURCE);
  const lines = ["| input | before | after |", "|---|---|---|", ...rows.map(changeRow)];
  if (changes.length > rows.length) lines.push(`| … | ${changes.length - rows.length} more changed inputs not shown | |`);
  let text = lines.join("\n") + "\n";
  // Multi-line strings (scripts, policies) read better as a line diff than as two escaped blobs.
  for (const c of rows) {
    if (c.kind === "changed" && isMultiline(c.before) && isMultiline(c.after)) {
      const d = lineDiff(c.before, c.after);
      if (d && d.length > 0) text += `\n${code(c.path)}:\n\n\`\`\`diff\n${d.join("\n").replace(/```/g, "ʼʼʼ")}\n\`\`\`\n`;
    }
  }
  return text;
}

function resourceTitle(r: { name: string; type: string }): string {
  return `${code(r.name)} ${code(r.type)}`;
}

function changedEntry(c: ChangedResource): string {
  const tags: string[] = [];
  if (c.replaceReasons.length > 0) tags.push(`**replacement** (${c.replaceReasons.map(code).join(", ")})`);
  if (c.protect) tags.push(`protect ${c.protect.before} → ${c.protect.after}`);
  const head = `**${code(c.name)}** ${code(c.type)}${tags.length ? ` — ${tags.join(", ")}` : ""}\n<sub>${code(c.urn)}</sub>\n\n`;
  return head + (c.changes.length > 0 ? changesTable(c.changes) : "") + "\n";
}

/** Leaf values of an input object as table rows; lists of scalars stay whole. */
export function flattenInputs(value: JsonValue, path = "", out: [string, JsonValue][] = []): [string, JsonValue][] {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const key of Object.keys(value).sort()) {
      const simple = /^[A-Za-z_$][\w$-]*$/.test(key);
      flattenInputs(value[key]!, simple ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`, out);
    }
  } else if (Array.isArray(value) && value.some((v) => typeof v === "object" && v !== null)) {
    value.forEach((v, i) => flattenInputs(v, `${path}[${i}]`, out));
  } else {
    out.push([path, value]);
  }
  return out;
}

/** An added resource, with its inputs folded (a reviewer checks what a new rule or record says). */
function addedEntry(a: AddedResource): string {
  const rows = flattenInputs(a.inputs);
  const shown = rows.slice(0, MAX_ROWS_PER_RESOURCE);
  const table = shown.length
    ? ["| input | value |", "|---|---|", ...shown.map(([p, v]) => `| ${code(p)} | ${formatValue(v)} |`)].join("\n") +
      (rows.length > shown.length ? `\n| … | ${rows.length - shown.length} more inputs not shown |` : "")
    : "_no inputs_";
  return `<details><summary>${resourceTitle(a)}${a.protect ? " (protected)" : ""}</summary>\n\n<sub>${code(a.urn)}</sub>\n\n${table}\n\n</details>\n`;
}

function riskRow(r: StatefulRisk): string {
  const action = r.action === "risky-update" ? "update with data-loss window" : r.action;
  return `| ${resourceTitle(r)} | **${action}** | ${r.reasons.map((x) => truncate(x, MAX_CELL).replace(/\|/g, "\\|")).join("; ")} | ${r.loss} |`;
}

function violationLine(v: PlanJsonViolation): string {
  const where = v.urn ? ` on ${code(v.urn.split("::").slice(-1)[0] ?? v.urn)}` : "";
  const undecided = v.undecided ? " _(undecided: value unknown until apply)_" : "";
  return `- **${v.level}** ${code(v.policy)}${where}: ${truncate(v.message, 500).replace(/\r?\n/g, " ")}${undecided}`;
}

/** Accumulates blocks while they fit, keeping room for closing tags and the truncation note. */
class Budget {
  private parts: string[] = [];
  private length = 0;
  omitted = 0;
  constructor(private readonly limit: number) {}
  get used(): number {
    return this.length;
  }
  /** Adds `text` if `text` plus `reserve` more characters still fit; otherwise counts it as omitted. */
  add(text: string, reserve = 0): boolean {
    if (this.length + text.length + reserve > this.limit) return false;
    this.parts.push(text);
    this.length += text.length;
    return true;
  }
  /** Adds text that must appear (headers, closing tags); the reserve guarantees it fits. */
  force(text: string): void {
    this.parts.push(text);
    this.length += text.length;
  }
  toString(): string {
    return this.parts.join("");
  }
}

/** Room kept for the truncation note and closing tags. */
const RESERVE = 600;

function pluralize(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function renderDiffMarkdown(diff: PlanDiff, options: RenderOptions): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < 2000 || maxChars > GITHUB_COMMENT_LIMIT) {
    throw new Error(`renderDiffMarkdown: maxChars must be an integer between 2000 and ${GITHUB_COMMENT_LIMIT} (GitHub's comment limit), got ${maxChars}`);
  }
  const stack = options.stack;
  const base = options.baseRef ? ` against ${code(options.baseRef)}` : "";
  const b = new Budget(maxChars - RESERVE);
  const omittedBy: Record<string, number> = {};
  const omit = (section: string) => {
    omittedBy[section] = (omittedBy[section] ?? 0) + 1;
    b.omitted++;
  };

  b.force(`${commentMarker(stack)}\n### Infrastructure plan diff — ${code(stack)}${base}\n\n`);

  if (isEmptyDiff(diff)) {
    b.force("No infrastructure change: every resource, policy verdict and capacity verdict is identical.\n\n");
    return finish(b, diff, options, omittedBy, maxChars);
  }

  const v = diff.violations;
  const summary = [
    `**${diff.added.length} to add, ${diff.removed.length} to remove, ${diff.changed.length} to change**, ${diff.unchangedCount} unchanged`,
  ];
  if (diff.statefulRisks.length > 0) summary.push(`:warning: **${pluralize(diff.statefulRisks.length, "stateful resource")} at risk**`);
  if (v.introduced.length + v.resolved.length + v.changed.length > 0) {
    summary.push(`policy: ${v.introduced.length} new, ${v.resolved.length} resolved, ${v.changed.length} changed`);
  }
  if (diff.capacity.length > 0) summary.push("**capacity verdict changed**");
  if (diff.fleet) summary.push("**new fleet replaces old fleet**");
  b.force(summary.join(" · ") + "\n\n");

  if (diff.statefulRisks.length > 0) {
    b.force(
      "> [!CAUTION]\n> Stateful resources would be deleted or replaced. The release needs a code owner of the stack file to approve\n" +
        "> each one before the merge: a `Stateful-Change-Approved: <urn>` line per resource in an approving review or a comment (see the README).\n\n" +
        "| resource | action | why | what is lost |\n|---|---|---|---|\n",
    );
    for (const r of diff.statefulRisks) if (!b.add(riskRow(r) + "\n", 2)) omit("stateful");
    b.force("\n");
  }

  if (v.introduced.length + v.resolved.length + v.changed.length > 0) {
    const newMandatory = v.introduced.some((x) => x.level === "mandatory");
    const total = v.introduced.length + v.resolved.length + v.changed.length;
    b.force(newMandatory ? `#### Policy verdicts (${total})\n\n` : `<details><summary>Policy verdicts (${total})</summary>\n\n`);
    const close = newMandatory ? "\n" : "\n</details>\n\n";
    if (v.introduced.length > 0) {
      b.force("New violations:\n\n");
      for (const x of v.introduced) if (!b.add(violationLine(x) + "\n", close.length)) omit("policy");
      b.force("\n");
    }
    if (v.resolved.length > 0) {
      b.force("Resolved:\n\n");
      for (const x of v.resolved) if (!b.add(violationLine(x) + "\n", close.length)) omit("policy");
      b.force("\n");
    }
    if (v.changed.length > 0) {
      b.force("Level changed:\n\n");
      for (const x of v.changed) {
        const line = `- ${code(x.after.policy)}: ${x.before.level}${x.before.undecided ? " (undecided)" : ""} → ${x.after.level}${x.after.undecided ? " (undecided)" : ""} — ${truncate(x.after.message, 300)}\n`;
        if (!b.add(line, close.length)) omit("policy");
      }
    }
    b.force(close);
  }

  if (diff.fleet) {
    b.force(
      "#### Fleet release: new fleet replaces old fleet\n\n" +
        diff.fleet.before.map((r) => `- old: ${code(describeRelease(r))}\n`).join("") +
        diff.fleet.after.map((r) => `- new: ${code(describeRelease(r))}\n`).join("") +
        "\nThe new instance groups are created and registered in every load balancer's backend; the old ones are deleted only after the health gate sees the new instances healthy.\n\n",
    );
  }

  if (diff.capacity.length > 0) {
    b.force("#### Capacity verdict\n\n");
    if (!b.add(changesTable(diff.capacity) + "\n")) omit("capacity");
  }
  if (diff.email.length > 0) {
    b.force(`<details><summary>Email validation verdict (${diff.email.length})</summary>\n\n`);
    if (!b.add(changesTable(diff.email), 14)) omit("email");
    b.force("\n</details>\n\n");
  }

  const folded = (title: string, section: string, entries: string[]) => {
    if (entries.length === 0) return;
    const close = "\n</details>\n\n";
    b.force(`<details><summary>${title} (${entries.length})</summary>\n\n`);
    for (const e of entries) if (!b.add(e, close.length)) omit(section);
    b.force(close);
  };
  folded("Changed", "changed", diff.changed.map(changedEntry));
  folded(
    "Added",
    "added",
    diff.added.map(addedEntry),
  );
  folded(
    "Removed",
    "removed",
    diff.removed.map(
      (r) =>
        `- ${resourceTitle(r)}${r.protect ? " (protected: `pulumi up` will refuse to delete it)" : ""}${
          r.movedTo ? ` — same name and type added at ${code(r.movedTo)}: add an \`aliases\` option to keep it instead of re-creating it` : ""
        } <sub>${code(r.urn)}</sub>\n`,
    ),
  );
  if (diff.outputs.length > 0) {
    b.force(`<details><summary>Stack outputs (${diff.outputs.length})</summary>\n\n`);
    if (!b.add(changesTable(diff.outputs), 14)) omit("outputs");
    b.force("\n</details>\n\n");
  }
  return finish(b, diff, options, omittedBy, maxChars);
}

function finish(b: Budget, diff: PlanDiff, options: RenderOptions, omittedBy: Record<string, number>, maxChars: number): string {
  const ref = options.baseRef ?? "<base ref>";
  if (b.omitted > 0) {
    const parts = Object.entries(omittedBy).map(([s, n]) => `${n} ${s}`);
    b.force(
      `> [!WARNING]\n> Truncated to stay under GitHub's comment limit: ${pluralize(b.omitted, "entry", "entries")} not shown (${parts.join(", ")}). ` +
        `Run \`npm run plan -- --stack ${options.stack} --diff-against ${ref}\` for the full diff.\n\n`,
    );
  }
  b.force(
    `<sub>Credential-free plan of stack ${code(diff.stack)} under mocks: cloud-computed values are mocked, secrets show as \`[secret]\`. ` +
      "The real `pulumi preview` (same-repository branches) is the authority on what the providers will do.</sub>\n",
  );
  const text = b.toString();
  // The reserve makes this unreachable for sane inputs; the cap is a hard promise all the same.
  return text.length <= maxChars ? text : text.slice(0, maxChars);
}
