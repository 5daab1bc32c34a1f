// Posts or updates the plan diff comment of a pull request. Called from actions/github-script
// (pull-request.yml for same-repository branches, plan-diff-comment.yml for forks):
//   await require('./.github/scripts/plan-diff-comment.cjs').upsertPlanDiffComment({ github, context, core }, { issueNumber, dir })
// Tested by tools/release/plan-diff-comment.test.ts.
const fs = require("fs");
const path = require("path");

const STACKS = ["staging", "prod"];
const MARKER = "<!-- renfort-plan-diff -->";
const stackMarker = (stack) => `<!-- renfort-plan-diff:${stack} -->`;
// GitHub rejects comment bodies above 65,536 characters
// (https://docs.github.com/en/rest/issues/comments#create-an-issue-comment); keep a margin.
const LIMIT = 65000;

/** The comments to have: one with both stacks when it fits, otherwise one per stack. */
function plannedComments(dir) {
  const bodies = STACKS.map((stack) => {
    const file = path.join(dir, `diff-${stack}.md`);
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, "utf8");
      // the renderer caps each stack at 60,000 characters; this only guards a foreign file
      return text.length <= LIMIT ? text : `${stackMarker(stack)}\n_The plan diff of \`${stack}\` is too long for a comment: see the offline-plan job summary._\n`;
    }
    return `${stackMarker(stack)}\n_No plan diff for \`${stack}\`: see the offline-plan job._\n`;
  });
  const combined = [MARKER, ...bodies].join("\n\n---\n\n");
  if (combined.length <= LIMIT) return [{ marker: MARKER, body: combined }];
  return bodies.map((body, i) => ({ marker: stackMarker(STACKS[i]), body }));
}

async function upsertPlanDiffComment({ github, context, core }, { issueNumber, dir }) {
  const { owner, repo } = context.repo;
  const issue_number = issueNumber;
  const wanted = plannedComments(dir);
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const ours = comments.filter((c) => c.user && c.user.type === "Bot" && (c.body || "").startsWith("<!-- renfort-plan-diff"));
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

module.exports = { upsertPlanDiffComment, plannedComments, MARKER, stackMarker };
