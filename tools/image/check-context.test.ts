/**
 * The deploy workflow's image job builds the bundle before the image, in a context that holds every COPY
 * source, from bases pinned by digest (tools/image/check-context.ts). The bundle is built in a scratch copy of
 * the repository so the app suite's own app/dist is never rebuilt under it.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { DEPLOY_WORKFLOW, REPO_ROOT, checkImageBuild, dockerfileProblems, imageBuildOf } from "./check-context";
import { scratchDir } from "../../testing/scratch";

let scratch: string;
beforeAll(() => {
  scratch = scratchDir("renfort-image-");
  for (const f of ["package.json", "package-lock.json"]) cpSync(join(REPO_ROOT, f), join(scratch, f));
  cpSync(join(REPO_ROOT, "app"), join(scratch, "app"), { recursive: true, filter: (src) => !/[\\/]app[\\/](node_modules|dist)$/.test(src) });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(scratch, "node_modules"), "dir");
  if (existsSync(join(REPO_ROOT, "app", "node_modules"))) symlinkSync(join(REPO_ROOT, "app", "node_modules"), join(scratch, "app", "node_modules"), "dir");
  mkdirSync(join(scratch, ".github", "workflows"), { recursive: true });
  cpSync(join(REPO_ROOT, DEPLOY_WORKFLOW), join(scratch, DEPLOY_WORKFLOW));
});

describe("the deploy workflow's image", () => {
  it("builds: the bundle step runs as in the workflow, and every COPY source is in the app/ context", () => {
    const { build, problems } = checkImageBuild({ root: scratch });
    expect(build).toEqual({ bundleCommands: ["npm run build:app"], context: "app", dockerfile: "app/Dockerfile" });
    expect(existsSync(join(scratch, "app", "dist", "server.js"))).toBe(true);
    expect(problems).toEqual([]);
  });

  it("the repository root as context (app/.dockerignore not applied, dist/ not there) is refused", () => {
    const wf = join(scratch, ".github", "workflows", "root-context.yml");
    writeFileSync(wf, readFileSync(join(REPO_ROOT, DEPLOY_WORKFLOW), "utf8").replace("context: app\n", "context: .\n"));
    const { problems } = checkImageBuild({ root: scratch, workflow: ".github/workflows/root-context.yml", build: false });
    expect(problems).toEqual([
      expect.stringContaining("COPY dist/server.js: not found in the build context ./"),
      expect.stringContaining("COPY dist/migrations/: not found in the build context ./"),
    ]);
  });

  it("an image job without a bundle step is refused, naming the fix", () => {
    const text = readFileSync(join(REPO_ROOT, DEPLOY_WORKFLOW), "utf8").replace(/ {6}- name: Build the app bundle\n {8}id: bundle\n {8}run: npm run build:app\n/, "");
    expect(() => imageBuildOf(text)).toThrow(/job "image" builds no bundle: add a step with id "bundle" running `npm run build:app`/);
  });
});

describe("the app image's runtime", () => {
  it("is the Node.js major .nvmrc names, from a base pinned by digest, and the bundle targets it", () => {
    const nvmrc = readFileSync(join(REPO_ROOT, ".nvmrc"), "utf8").trim();
    const dockerfile = readFileSync(join(REPO_ROOT, "app", "Dockerfile"), "utf8");
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(new RegExp(`^node:${nvmrc}-bookworm-slim@sha256:[0-9a-f]{64}$`));
    expect(readFileSync(join(REPO_ROOT, "app", "scripts", "build.ts"), "utf8")).toContain(`target: "node${nvmrc}"`);
  });
});

describe("dockerfileProblems", () => {
  let ctx: string;
  beforeEach(() => {
    ctx = scratchDir("renfort-ctx-");
    mkdirSync(join(ctx, "dist", "migrations"), { recursive: true });
    writeFileSync(join(ctx, "dist", "server.js"), "");
    writeFileSync(join(ctx, "dist", "migrations", "1.sql"), "");
    writeFileSync(join(ctx, ".dockerignore"), "*\n!dist/server.js\n!dist/migrations/\n");
  });
  afterEach(() => rmSync(ctx, { recursive: true, force: true }));
  const PIN = `node:20-bookworm-slim@sha256:${"a".repeat(64)}`;
  const check = (text: string) => dockerfileProblems(text, ctx, "Dockerfile");

  it("accepts digest-pinned bases (literal or through an ARG default), stage references and present sources", () =>
    expect(check(`ARG IMG=${PIN}\nFROM \${IMG} AS verify\nCOPY dist/server.js ./\nCOPY ["dist/migrations/", "./migrations/"]\nFROM verify AS next\nFROM ${PIN}\nCOPY --from=verify /app/ /app/\n`)).toEqual([]));
  it.each(["node:20-bookworm-slim", "node:20-bookworm-slim:latest", "gcr.io/distroless/nodejs20-debian12:nonroot", `node@sha256:${"a".repeat(63)}`])("refuses the unpinned base %s", (image) =>
    expect(check(`FROM ${image}\n`)).toEqual([expect.stringMatching(/^Dockerfile:1: base image .* is not pinned by digest/)]));
  it("refuses an ARG base without a digest default", () => expect(check("ARG NODE_VERSION=20\nFROM node:${NODE_VERSION}-bookworm-slim\n")).toEqual([expect.stringContaining('"node:20-bookworm-slim" is not pinned')]));
  it("refuses a missing COPY source", () => expect(check(`FROM ${PIN}\nCOPY dist/missing.js ./\n`)).toEqual([expect.stringContaining("Dockerfile:2: COPY dist/missing.js: not found in the build context")]));
  it("refuses a source the .dockerignore excludes", () => {
    writeFileSync(join(ctx, "package.json"), "{}");
    expect(check(`FROM ${PIN}\nCOPY package.json ./\n`)).toEqual([expect.stringContaining("COPY package.json: excluded from the build context")]);
  });
  it("refuses a source outside the context", () => expect(check(`FROM ${PIN}\nCOPY ../secrets ./\n`)).toEqual([expect.stringContaining("reaches outside the build context")]));
});
