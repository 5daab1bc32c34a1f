// Posts or updates the plan diff comment of a pull request. Called from actions/github-script
// (pull-request.yml for same-repository branches, plan-diff-comment.yml for forks):
//   await require('./.github/scripts/plan-diff-comment.cjs').upsertPlanDiffComment({ github, context, core }, { issueNumber, dir, fork })
// `fork` ({ repository, sha }) marks a diff computed by a fork's own code: the comment says it is unverified.
// Only comments written by the workflow token's bot account are ever updated or deleted.
// Tested by tools/release/plan-diff-comment.test.ts.
const fs = require("fs");
const path = require("path");

const STACKS = ["staging", "prod"];
const MARKER = "<!-- renfort-plan-diff -->";
const stackMarker = (stack) => `<!-- renfort-plan-diff:${stack} -->`;
// GitHub rejects comment bodies above 65,536 characters
// (https://docs.github.com/en/rest/issues/comments#create-an-issue-comment); keep a margin.
const LIMIT = 65000;
// The account that writes with the workflow's GITHUB_TOKEN
// (https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication).
const BOT_LOGIN = "github-actions[bot]";

/** The warning heading a fork's diff: the fork's code (plan tool, policy pack, mocks) computed it. */
function forkNotice(fork) {
  const sha = String(fork.sha || "").replace(/[^0-9a-f]/gi, "").slice(0, 12);
  const repository = String(fork.repository || "a fork").replace(/[^A-Za-z0-9_./-]/g, "");
  return (
    `> [!WARNING]\n> **Unverified.** This plan diff was computed by the pull request's own code (\`${repository}\` at \`${sha}\`), ` +
    "in a run with no secrets: its plan tool and policy pack may have been changed to print anything. " +
    "Trust the plan of the merged code, computed on `main` before release, not this one.\n"
  );
}

/** The comments to have: one with both stacks when it fits, otherwise one per stack. */
function plannedComments(dir, fork) {
  const bodies = STACKS.map((stack) => {
    const file = path.join(dir, `diff-${stack}.md`);
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, "utf8");
      // the renderer caps each stack at 60,000 characters; this only guards a foreign file
      return text.length <= LIMIT ? text : `${stackMarker(stack)}\n_The plan diff of \`${stack}\` is too long for a comment: see the offline-plan job summary._\n`;
    }
    return `${stackMarker(stack)}\n_No plan diff for \`${stack}\`: see the offline-plan job._\n`;
  });
  const notice = fork ? forkNotice(fork) : "";
  const combined = [MARKER + (notice ? `\n${notice}` : ""), ...bodies].join("\n\n---\n\n");
  if (combined.length <= LIMIT) return [{ marker: MARKER, body: combined }];
  // each stack's body starts with its marker line: the notice goes right after it
  const withNotice = (body) => (notice ? body.replace(/^(<!--[^\n]*-->\n?)/, `$1${notice}\n`) : body);
  return bodies.map((body, i) => ({ marker: stackMarker(STACKS[i]), body: withNotice(body) }));
}

async function upsertPlanDiffComment({ github, context, core }, { issueNumber, dir, fork }) {
  const { owner, repo } = context.repo;
  const issue_number = issueNumber;
  const wanted = plannedComments(dir, fork);
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  // another bot or app could write the marker too: only the workflow token's own comments are ours
  const ours = comments.filter((c) => c.user && c.user.login === BOT_LOGIN && c.user.type === "Bot" && (c.body || "").startsWith("<!-- renfort-plan-diff"));
  for (const w of wanted) {
    const previous = ours.find((c) => c.body.startsWith(w.marker));
    if (previous) await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body: w.body });
    else await github.rest.issues.createComment({ owner, repo, issue_number, body: w.body });
  }
  // a comment of the other layout is stale: remove it so only the current diff shows
  for (const c of ours) {
    if (!wanted.some((w) => c.body.startsWith(w.marker))) await github.rest.issues.deleteComment({ owner, repo, comment_id: c.id });
  }
  if (core) core.info(`plan diff: ${wanted.length} comment(s) on #${issue_number}`);
  return wanted.map((w) => w.marker);
}

module.exports = { upsertPlanDiffComment, plannedComments, MARKER, stackMarker, BOT_LOGIN };
