import { rmSync, writeFileSync } from "fs";
import { createRequire } from "module";
import { join } from "path";
import { scratchDir } from "../../testing/scratch";

interface Comment {
  id: number;
  body: string;
  user: { login: string; type: string };
}
interface Planned {
  marker: string;
  body: string;
}
type Upsert = (
  api: { github: unknown; context: unknown; core?: unknown },
  opts: { issueNumber: number; dir: string; fork?: { repository: string; sha: string } },
) => Promise<string[]>;

// plain CommonJS run by actions/github-script; loaded without the TypeScript transform
const load = createRequire(__filename);
const script = load(join(__dirname, "..", "..", ".github", "scripts", "plan-diff-comment.cjs")) as {
  upsertPlanDiffComment: Upsert;
  plannedComments: (dir: string, fork?: { repository: string; sha: string }) => Planned[];
};

/** An in-memory stand-in for the octokit client github-script provides. */
function fakeGithub(initial: Comment[]) {
  const comments = [...initial];
  let next = 1000;
  const calls: string[] = [];
  const github = {
    paginate: async (fn: (p: unknown) => Promise<Comment[]>, params: unknown) => fn(params),
    rest: {
      issues: {
        listComments: async () => comments,
        updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
          calls.push(`update ${comment_id}`);
          comments.find((c) => c.id === comment_id)!.body = body;
        },
        createComment: async ({ body }: { body: string }) => {
          calls.push("create");
          comments.push({ id: next++, body, user: BOT });
        },
        deleteComment: async ({ comment_id }: { comment_id: number }) => {
          calls.push(`delete ${comment_id}`);
          comments.splice(comments.findIndex((c) => c.id === comment_id), 1);
        },
      },
    },
  };
  return { github, comments, calls };
}

const context = { repo: { owner: "o", repo: "r" } };
const BOT = { login: "github-actions[bot]", type: "Bot" };
const PERSON = (login: string) => ({ login, type: "User" });

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dirWith(staging: string, prod: string): string {
  const dir = scratchDir("renfort-comment-");
  made.push(dir);
  writeFileSync(join(dir, "diff-staging.md"), staging);
  writeFileSync(join(dir, "diff-prod.md"), prod);
  return dir;
}

describe("plan diff comment", () => {
  const small = dirWith("<!-- renfort-plan-diff:staging -->\nstaging diff", "<!-- renfort-plan-diff:prod -->\nprod diff");

  it("creates one comment with both stacks, then updates it in place", async () => {
    const gh = fakeGithub([{ id: 1, body: "LGTM", user: PERSON("ana") }]);
    await script.upsertPlanDiffComment({ github: gh.github, context }, { issueNumber: 7, dir: small });
    await script.upsertPlanDiffComment({ github: gh.github, context }, { issueNumber: 7, dir: small });
    expect(gh.calls).toEqual(["create", "update 1000"]);
    const ours = gh.comments.filter((c) => c.user.type === "Bot");
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toMatch(/^<!-- renfort-plan-diff -->\n[\s\S]*staging diff[\s\S]*prod diff/);
  });

  it("splits into one comment per stack when both exceed the limit, removing the combined one", async () => {
    const big = dirWith(`<!-- renfort-plan-diff:staging -->\n${"s".repeat(40000)}`, `<!-- renfort-plan-diff:prod -->\n${"p".repeat(40000)}`);
    const gh = fakeGithub([{ id: 5, body: "<!-- renfort-plan-diff -->\nold", user: BOT }]);
    await script.upsertPlanDiffComment({ github: gh.github, context }, { issueNumber: 7, dir: big });
    expect(gh.calls).toEqual(["create", "create", "delete 5"]);
    expect(gh.comments.every((c) => c.body.length <= 65536)).toBe(true);
  });

  it("never edits a person's comment that quotes the marker", async () => {
    const gh = fakeGithub([{ id: 9, body: "<!-- renfort-plan-diff -->\nquoted", user: PERSON("mallory") }]);
    await script.upsertPlanDiffComment({ github: gh.github, context }, { issueNumber: 7, dir: small });
    expect(gh.calls).toEqual(["create"]);
  });

  it("never edits or deletes another bot's or app's comment carrying the marker", async () => {
    const gh = fakeGithub([
      { id: 10, body: "<!-- renfort-plan-diff -->\nfrom another app", user: { login: "some-app[bot]", type: "Bot" } },
      { id: 11, body: "<!-- renfort-plan-diff:prod -->\nstale layout from another app", user: { login: "some-app[bot]", type: "Bot" } },
    ]);
    await script.upsertPlanDiffComment({ github: gh.github, context }, { issueNumber: 7, dir: small });
    expect(gh.calls).toEqual(["create"]);
    expect(gh.comments.find((c) => c.id === 10)!.body).toContain("from another app");
  });

  it("says a fork's diff was computed by the pull request's own code and is unverified, in either layout", async () => {
    const fork = { repository: "someone/renfort", sha: "0123456789abcdef0123" };
    const gh = fakeGithub([]);
    await script.upsertPlanDiffComment({ github: gh.github, context }, { issueNumber: 7, dir: small, fork });
    expect(gh.comments[0]!.body).toMatch(/^<!-- renfort-plan-diff -->\n> \[!WARNING\]\n> \*\*Unverified\.\*\* This plan diff was computed by the pull request's own code \(`someone\/renfort` at `0123456789ab`\)/);
    const big = dirWith(`<!-- renfort-plan-diff:staging -->\n${"s".repeat(40000)}`, `<!-- renfort-plan-diff:prod -->\n${"p".repeat(40000)}`);
    const split = script.plannedComments(big, fork);
    expect(split).toHaveLength(2);
    for (const c of split) expect(c.body).toMatch(/^<!-- renfort-plan-diff:(staging|prod) -->\n> \[!WARNING\]\n> \*\*Unverified/);
    expect(script.plannedComments(small)[0]!.body).not.toMatch(/Unverified/);
  });

  it("says where to look when a stack's diff is missing", () => {
    const dir = scratchDir("renfort-comment-");
    made.push(dir);
    expect(script.plannedComments(dir)[0]!.body).toContain("No plan diff for `prod`");
  });
});
