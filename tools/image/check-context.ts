/**
 * The deploy workflow's image must build: reads the `image` job of .github/workflows/deploy.yml (its bundle
 * step, its docker/build-push-action `context` and `file`) and the Dockerfile it names, runs the bundle step's
 * command as the workflow does, then checks that
 * - every base image (`FROM`, after ARG defaults) is pinned as `<image>@sha256:<64 hex>`;
 * - every `COPY`/`ADD` source (not `--from` a stage) exists in the context and is not excluded by the
 *   context's .dockerignore (BuildKit also reads `<Dockerfile>.dockerignore` next to the Dockerfile first).
 *
 *   npm run check:image [-- --no-build]
 *
 * Exit codes (tools/cli/conventions.ts): 0 the image builds; 1 problems, one per line on stderr (a bundle
 * command that fails is one); 2 bad option, or the workflow cannot be read; 3 the tool failed.
 *
 * The Dockerfile is parsed with dockerfile-ast and .dockerignore matched with @balena/dockerignore (Docker's
 * own matching rules), so the check reads both as Docker does.
 */
import { execSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, posix, relative, resolve } from "node:path";
import ignore from "@balena/dockerignore";
import { DockerfileParser } from "dockerfile-ast";
import { parse as parseYaml } from "yaml";
import { EXIT, UsageError, errorMessage, parseOptions, processIo, renderHelp, runCommand } from "../cli/conventions";

export const REPO_ROOT = resolve(__dirname, "..", "..");
export const DEPLOY_WORKFLOW = ".github/workflows/deploy.yml";

export interface ImageBuild {
  /** Shell commands of the job's bundle step (`id: bundle`), run from the repository root. */
  bundleCommands: string[];
  /** Build context, relative to the repository root. */
  context: string;
  /** Dockerfile, relative to the repository root. */
  dockerfile: string;
}

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

/** What the workflow's image job builds, or throws naming the job and the missing piece. */
export function imageBuildOf(workflowText: string, job = "image", file = DEPLOY_WORKFLOW): ImageBuild {
  const wf = parseYaml(workflowText) as { jobs?: Record<string, { steps?: Step[] }> };
  const steps = wf?.jobs?.[job]?.steps;
  if (!Array.isArray(steps)) throw new Error(`${file}: no job "${job}" with steps`);
  const build = steps.find((s) => typeof s.uses === "string" && s.uses.startsWith("docker/build-push-action@"));
  if (!build) throw new Error(`${file}: job "${job}" has no docker/build-push-action step`);
  const bundle = steps.find((s) => s.id === "bundle");
  if (!bundle?.run) throw new Error(`${file}: job "${job}" builds no bundle: add a step with id "bundle" running \`npm run build:app\` before the image build`);
  if (steps.indexOf(bundle) > steps.indexOf(build)) throw new Error(`${file}: job "${job}" builds the bundle after the image: move the "bundle" step before docker/build-push-action`);
  const context = typeof build.with?.context === "string" ? build.with.context : ".";
  const dockerfile = typeof build.with?.file === "string" ? build.with.file : posix.join(context, "Dockerfile");
  const bundleCommands = bundle.run.split("\n").map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith("#"));
  return { bundleCommands, context: posix.normalize(context), dockerfile: posix.normalize(dockerfile) };
}

const DIGEST_PINNED = /@sha256:[0-9a-f]{64}$/;

function substitute(value: string, args: Map<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string, _d, def: string | undefined, b: string) => args.get(a ?? b) ?? def ?? "");
}

/** Every file under `dir`, as context-relative POSIX paths. */
function filesUnder(contextDir: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(contextDir, full));
    else out.push(relative(contextDir, full).split("\\").join("/"));
  }
  return out;
}

/** Problems of a Dockerfile against a context directory (absolute); [] when it builds. */
export function dockerfileProblems(dockerfileText: string, contextDir: string, dockerfilePath: string, names: { context?: string; dockerfileAbs?: string } = {}): string[] {
  const contextName = names.context ?? ".";
  const problems: string[] = [];
  const df = DockerfileParser.parse(dockerfileText);
  const args = new Map<string, string>();
  for (const arg of df.getInitialARGs()) {
    const p = arg.getProperty();
    if (p?.getName()) args.set(p.getName(), p.getValue() ?? "");
  }
  const stages = new Set<string>();
  for (const from of df.getFROMs()) {
    const raw = from.getImage() ?? "";
    const image = substitute(raw, args);
    if (!stages.has(image.toLowerCase()) && image !== "scratch" && !DIGEST_PINNED.test(image)) {
      problems.push(`${dockerfilePath}:${from.getRange().start.line + 1}: base image ${JSON.stringify(image || raw)} is not pinned by digest: write it as <image>@sha256:<digest> (docker buildx imagetools inspect <image>)`);
    }
    const stage = from.getBuildStage();
    if (stage) stages.add(stage.toLowerCase());
  }

  const ignoreFile = [`${names.dockerfileAbs ?? dockerfilePath}.dockerignore`, join(contextDir, ".dockerignore")].find((f) => existsSync(f));
  const ig = ignore().add(ignoreFile ? readFileSync(ignoreFile, "utf8") : "");
  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword();
    if (keyword !== "COPY" && keyword !== "ADD") continue;
    const line = ins.getRange().start.line + 1;
    const flags = (ins as unknown as { getFlags(): { getName(): string }[] }).getFlags().map((f) => f.getName());
    if (flags.includes("from")) continue;
    const paths = ins.getArguments().map((a) => a.getValue()).filter((w) => !w.startsWith("--"));
    const jsonForm = (ins as unknown as { getJSONStrings?: () => { getJSONValue(): string }[] }).getJSONStrings?.() ?? [];
    const list = jsonForm.length >= 2 ? jsonForm.map((j) => j.getJSONValue()) : paths;
    for (const src of list.slice(0, -1)) {
      if (/^https?:\/\//.test(src)) continue;
      const rel = posix.normalize(src.replace(/^\/+/, "")).replace(/\/+$/, "");
      const abs = join(contextDir, rel);
      const where = `${dockerfilePath}:${line}: ${keyword} ${src}`;
      if (rel.startsWith("..")) {
        problems.push(`${where} reaches outside the build context`);
        continue;
      }
      if (!existsSync(abs)) {
        problems.push(`${where}: not found in the build context ${contextName}/ (does the workflow build it before the image, in that context?)`);
        continue;
      }
      const files = statSync(abs).isDirectory() ? filesUnder(contextDir, abs) : [rel];
      const sent = files.filter((f) => !ig.ignores(f));
      if (sent.length === 0) problems.push(`${where}: excluded from the build context by ${relative(contextDir, ignoreFile ?? "") || ".dockerignore"}`);
    }
  }
  return problems;
}

/** Builds the bundle as the workflow does (unless `build` is false), then checks the image's Dockerfile against its context. */
export function checkImageBuild(options: { root?: string; workflow?: string; build?: boolean } = {}): { build: ImageBuild; problems: string[] } {
  const root = options.root ?? REPO_ROOT;
  const workflowFile = options.workflow ?? DEPLOY_WORKFLOW;
  const build = imageBuildOf(readFileSync(join(root, workflowFile), "utf8"), "image", workflowFile);
  if (options.build !== false) for (const cmd of build.bundleCommands) execSync(cmd, { cwd: root, stdio: "pipe" });
  const dockerfile = join(root, build.dockerfile);
  if (!existsSync(dockerfile)) return { build, problems: [`${workflowFile}: the image job's Dockerfile ${build.dockerfile} does not exist`] };
  const contextDir = join(root, build.context);
  if (!existsSync(contextDir)) return { build, problems: [`${workflowFile}: the image job's context ${build.context} does not exist`] };
  return { build, problems: dockerfileProblems(readFileSync(dockerfile, "utf8"), contextDir, build.dockerfile, { context: build.context, dockerfileAbs: dockerfile }) };
}

export const HELP = renderHelp({
  usage: ["npm run check:image [-- --no-build]"],
  summary: `Checks that the deploy workflow's image builds: reads the image job of ${DEPLOY_WORKFLOW} (its bundle step,
its docker/build-push-action context and file), runs the bundle step's commands as the workflow does,
then checks every base image is pinned by digest and every COPY/ADD source is in the build context and
not excluded by its .dockerignore.`,
  options: [["--no-build", "skip the bundle step's commands (check against what is already built)"]],
  verdictFailed: "the image would not build as the workflow builds it (one problem per line)",
  usageError: `bad option, or ${DEPLOY_WORKFLOW} has no image job to read`,
});

/** A bundle command of the workflow that fails is a problem of the image build, reported with the rest. */
function runBundle(build: ImageBuild, root: string): string[] {
  for (const cmd of build.bundleCommands) {
    try {
      execSync(cmd, { cwd: root, stdio: "pipe" });
    } catch (e) {
      const stderr = String((e as { stderr?: Buffer }).stderr ?? "").trim().split("\n").slice(-5).join("\n");
      return [`${DEPLOY_WORKFLOW}: the image job's bundle step \`${cmd}\` failed (${errorMessage(e).split("\n")[0]})${stderr ? `:\n${stderr}` : ""}`];
    }
  }
  return [];
}

function cli(argv: string[]): number {
  const { values } = parseOptions(argv, { "no-build": { type: "boolean", default: false } });
  if (values.help) {
    processIo.out(HELP);
    return EXIT.ok;
  }
  let build: ImageBuild;
  try {
    build = imageBuildOf(readFileSync(join(REPO_ROOT, DEPLOY_WORKFLOW), "utf8"));
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  const bundleProblems = values["no-build"] ? [] : runBundle(build, REPO_ROOT);
  const { problems } = bundleProblems.length > 0 ? { problems: bundleProblems } : checkImageBuild({ build: false });
  if (problems.length) {
    for (const p of problems) processIo.err(p);
    return EXIT.verdictFailed;
  }
  processIo.out(`image: ${build.dockerfile} builds from context ${build.context}/ after \`${build.bundleCommands.join(" && ")}\`; every base pinned by digest`);
  return EXIT.ok;
}

if (require.main === module) {
  runCommand("check:image", () => cli(process.argv.slice(2)));
}
