/**
 * Approval of a stateful change (deleting or replacing a database, a dedicated IP, a zone-level
 * resource). Two things must both be present on the pull request:
 *
 * 1. the label `approve-stateful-change` (labels can only be set by people with triage rights on the
 *    repository, so an outside contributor cannot approve their own change), and
 * 2. one line per resource in the pull-request description:
 *        Stateful-Change-Approved: urn:pulumi:prod::renfort::...::database-instance
 *    naming the exact URN, so an approval given for one resource never covers another one added later.
 *
 * The same lines in a commit message (a squash merge copies the description) are read on main.
 */

export const APPROVAL_LABEL = "approve-stateful-change";
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

export interface PullRequestLike {
  body?: string | null;
  labels?: ({ name?: string } | string)[];
}

export interface Approvals {
  urns: string[];
  /** Why there are none, for the guard's message. */
  note?: string;
}

/** Approvals carried by a pull request: the URN lines count only when the label is present. */
export function approvalsFromPullRequest(pr: PullRequestLike): Approvals {
  const labels = (pr.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? "")));
  const urns = approvedUrnsFromText(pr.body ?? "");
  if (!labels.includes(APPROVAL_LABEL)) {
    return {
      urns: [],
      note:
        urns.length > 0
          ? `the description names ${urns.length} URN(s) but the pull request lacks the \`${APPROVAL_LABEL}\` label`
          : `no \`${APPROVAL_LABEL}\` label on the pull request`,
    };
  }
  if (urns.length === 0) return { urns, note: `the \`${APPROVAL_LABEL}\` label is set but no \`${APPROVAL_TRAILER}: <urn>\` line names a resource` };
  return { urns };
}

/** Approvals from a GitHub event payload (`$GITHUB_EVENT_PATH`) of a pull_request event. */
export function approvalsFromGithubEvent(event: unknown): Approvals {
  const pr = (event as { pull_request?: PullRequestLike } | null)?.pull_request;
  if (!pr) return { urns: [], note: "the event is not a pull request" };
  return approvalsFromPullRequest(pr);
}

/** Approvals given as a comma- or newline-separated list (`--approvals` / RENFORT_STATEFUL_APPROVALS). */
export function approvalsFromList(list: string | undefined): string[] {
  return (list ?? "")
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
