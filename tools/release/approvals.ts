/**
 * Approval of a stateful change (deleting or replacing a database, a dedicated IP, a zone-level
 * resource). An approval is a line naming the exact URN, so an approval given for one resource never
 * covers another one added later:
 *
 *     Stateful-Change-Approved: urn:pulumi:prod::renfort::...::database-instance
 *
 * It counts only when a code owner of the stack file (`Pulumi.<stack>.yaml` in .github/CODEOWNERS,
 * the stack being read from the URN) wrote it, as of the merge:
 * - in an approving review (`state: APPROVED`) of the commit that was merged (`commit_id` = the pull
 *   request's head at merge time), submitted before the merge; or
 * - in a comment on the pull request created and last edited before the merge.
 * The pull request's author never approves their own change, and its description does not count: its
 * author can edit it at any time. CODEOWNERS is read as it stood on main before the merge, so a pull
 * request cannot name its own approvers.
 *
 * Payload shapes: GitHub's REST API, "List reviews for a pull request"
 * (https://docs.github.com/en/rest/pulls/reviews#list-reviews-for-a-pull-request: `user.login`,
 * `state`, `body`, `submitted_at`, `commit_id`) and "List issue comments"
 * (https://docs.github.com/en/rest/issues/comments#list-issue-comments: `user.login`, `body`,
 * `created_at`, `updated_at`); the merged pull request from "List pull requests associated with a
 * commit" (`number`, `user.login`, `merged_at`, `head.sha`). release-stack.yml records them at release.
 */

export const APPROVAL_TRAILER = "Stateful-Change-Approved";

/** URNs named by `Stateful-Change-Approved: <urn>` lines (case-insensitive key, one URN per line). */
export function approvedUrnsFromText(text: string): string[] {
  const urns: string[] = [];
  const re = new RegExp(`^\\s*${APPROVAL_TRAILER}\\s*:\\s*(\\S+)\\s*$`, "gim");
  for (const m of text.matchAll(re)) {
    const urn = m[1]!.replace(/^`|`$/g, "");
    if (urn.startsWith("urn:pulumi:") && !urns.includes(urn)) urns.push(urn);
  }
  return urns;
}

export interface Approvals {
  urns: string[];
  /** What was set aside and why (author's own review, not an owner, after the merge...), for the guard's report. */
  notes: string[];
}

interface GithubUser {
  login?: string;
}
export interface ReviewRecord {
  user?: GithubUser | null;
  state?: string;
  body?: string | null;
  submitted_at?: string | null;
  commit_id?: string | null;
}
export interface CommentRecord {
  user?: GithubUser | null;
  body?: string | null;
  created_at?: string;
  updated_at?: string;
}
/** What release-stack.yml records about the merged pull request (raw REST payloads). */
export interface MergedPullRequestRecord {
  pull_request: { number: number; user?: GithubUser | null; merged_at?: string | null; head?: { sha?: string } } | null;
  reviews?: ReviewRecord[];
  comments?: CommentRecord[];
}

/**
 * Owners of `path` in a CODEOWNERS file: the owners of the last matching line, as GitHub applies it
 * (https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners#codeowners-syntax).
 * Hand-written because the patterns used here are few; supports `/anchored`, `dir/`, `*` and `**`.
 */
export function codeOwnersOf(codeowners: string, path: string): string[] {
  let owners: string[] = [];
  for (const raw of codeowners.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) continue;
    const [pattern, ...rest] = line.split(/\s+/);
    if (patternMatches(pattern!, path)) owners = rest;
  }
  return owners;
}

function patternMatches(pattern: string, path: string): boolean {
  const anchored = pattern.startsWith("/") || pattern.slice(0, -1).includes("/");
  let p = pattern.replace(/^\//, "");
  const dir = p.endsWith("/");
  if (dir) p = p.slice(0, -1);
  const body = p
    .split("**")
    .map((part) => part.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*"))
    .join(".*");
  const re = new RegExp(`${anchored ? "^" : "(^|/)"}${body}${dir ? "/" : "(/|$)"}`);
  return re.test(path);
}

/** Individual owners (`@login`) of a stack's file; team owners (`@org/team`) cannot be resolved with the workflow token. */
export function stackApprovers(codeowners: string, stack: string): { users: string[]; teams: string[] } {
  const owners = codeOwnersOf(codeowners, `Pulumi.${stack}.yaml`);
  return {
    users: owners.filter((o) => /^@[A-Za-z0-9-]+$/.test(o)).map((o) => o.slice(1).toLowerCase()),
    teams: owners.filter((o) => o.includes("/")),
  };
}

/** `prod` from `urn:pulumi:prod::renfort::...`. */
export function stackOfUrn(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/** Approvals carried by the merged pull request's reviews and comments, as of its merge. */
export function approvalsFromMergedPullRequest(record: MergedPullRequestRecord, codeowners: string): Approvals {
  const pr = record.pull_request;
  if (!pr) return { urns: [], notes: ["no merged pull request for this commit: nothing is approved"] };
  const mergedAt = pr.merged_at ? Date.parse(pr.merged_at) : NaN;
  if (Number.isNaN(mergedAt)) return { urns: [], notes: [`pull request #${pr.number} is not merged (merged_at is empty): nothing is approved`] };
  const author = (pr.user?.login ?? "").toLowerCase();
  const head = pr.head?.sha;
  const urns: string[] = [];
  const notes: string[] = [];
  const consider = (who: string, what: string, text: string, whyNot: string | undefined) => {
    for (const urn of approvedUrnsFromText(text)) {
      const stack = stackOfUrn(urn) ?? "";
      const { users, teams } = stackApprovers(codeowners, stack);
      let reason = whyNot;
      if (!reason && who === author) reason = "the pull request's author cannot approve their own change";
      if (!reason && !users.includes(who)) {
        reason = `@${who} is not a code owner of Pulumi.${stack}.yaml${teams.length ? ` (team owners ${teams.join(", ")} are not resolved: list people)` : ""}`;
      }
      if (reason) notes.push(`${what} by @${who} for ${urn} set aside: ${reason}`);
      else if (!urns.includes(urn)) urns.push(urn);
    }
  };
  for (const r of record.reviews ?? []) {
    const who = (r.user?.login ?? "").toLowerCase();
    const at = r.submitted_at ? Date.parse(r.submitted_at) : NaN;
    let whyNot: string | undefined;
    if (r.state !== "APPROVED") whyNot = `the review's state is ${r.state ?? "unknown"}, not APPROVED`;
    else if (Number.isNaN(at) || at > mergedAt) whyNot = "submitted after the merge";
    else if (!head || r.commit_id !== head) whyNot = `it approved commit ${(r.commit_id ?? "?").slice(0, 12)}, not the merged head ${(head ?? "?").slice(0, 12)}`;
    consider(who, "review", r.body ?? "", whyNot);
  }
  for (const c of record.comments ?? []) {
    const who = (c.user?.login ?? "").toLowerCase();
    const created = c.created_at ? Date.parse(c.created_at) : NaN;
    const updated = c.updated_at ? Date.parse(c.updated_at) : created;
    let whyNot: string | undefined;
    if (Number.isNaN(created) || created > mergedAt) whyNot = "written after the merge";
    else if (Number.isNaN(updated) || updated > mergedAt) whyNot = "edited after the merge";
    consider(who, "comment", c.body ?? "", whyNot);
  }
  return { urns, notes };
}

/** Checks the recorded file's shape; the message names the field. */
export function parseMergedPullRequestRecord(doc: unknown, source = "merged pull request record"): MergedPullRequestRecord {
  const d = doc as Partial<MergedPullRequestRecord> | null;
  if (typeof d !== "object" || d === null || !("pull_request" in d)) {
    throw new Error(`${source}: no "pull_request" key (null when the commit has no merged pull request); written by release-stack.yml's approvals step`);
  }
  if (d.pull_request !== null && typeof d.pull_request?.number !== "number") throw new Error(`${source}: pull_request.number must be a number`);
  for (const key of ["reviews", "comments"] as const) {
    if (d[key] !== undefined && !Array.isArray(d[key])) throw new Error(`${source}: ${key} must be an array (the REST list payload)`);
  }
  return d as MergedPullRequestRecord;
}

/** Approvals given as a comma- or newline-separated list (`--approvals` / RENFORT_STATEFUL_APPROVALS). */
export function approvalsFromList(list: string | undefined): string[] {
  return (list ?? "")
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
