/**
 * The root jest config's global setup and teardown: the run gets a temporary directory of its own,
 * and fails when a test leaves anything in it.
 *
 * Setup makes `renfort-jest-XXXXXX` under the system's temporary directory and points TMPDIR at it:
 * jest starts its workers after the global setup, so every test file, and every child process that
 * inherits the environment, gets it from `os.tmpdir()` (or `mktemp`). Teardown lists what is left in
 * it; if anything but the entries below is there, it removes the directory and fails the run, naming
 * the leftovers. Tests make their scratch directories with testing/scratch.ts, which removes them.
 * https://jestjs.io/docs/configuration#globalsetup-string
 *
 * jest.config.js names this module as both globalSetup and globalTeardown (each must export one
 * function); jest loads it once per run, so the first call sets up and the second tears down.
 *
 * Only a run through the root config (`npm test`, `npx jest [paths]` from the repository root) is
 * guarded: a workspace's own config (`npm test -w app`) has no such setup.
 */
const { mkdtempSync, readdirSync, rmSync, chmodSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

/**
 * Left there by tools the tests run, not by the tests:
 * - `tsx-<uid>`: tsx's compile cache, which it keeps in the temporary directory on purpose and never
 *   removes (`--no-cache` turns it off: https://github.com/privatenumber/tsx); the tests that spawn a CLI
 *   through tsx make it, and its name depends only on the user, so it cannot be a test's leftover.
 * - `node-compile-cache`: Node's module compile cache (Node 22.1 and later), which npm, tsc and eslint
 *   turn on with `module.enableCompileCache()` and which Node keeps in the temporary directory by default
 *   (https://nodejs.org/api/module.html#module-compile-cache); it appears only on the LTS run (Node 24).
 */
const TOLERATED = [/^tsx-\d+$/, /^node-compile-cache$/];

/** Set between the two calls: the run's directory and the TMPDIR to restore. */
let run;

function setup() {
  const original = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), "renfort-jest-"));
  // 1777 as /tmp: the private PostgreSQL clusters run as the postgres user when the tests run as root,
  // and must traverse (and may write in) the temporary directory like any other user.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  run = { dir, original };
}

function teardown() {
  const { dir, original } = run;
  run = undefined;
  if (original === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = original;
  const left = readdirSync(dir).filter((name) => !TOLERATED.some((re) => re.test(name)));
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  if (left.length > 0) {
    throw new Error(
      `the tests left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temporary directory (${dir}, now removed): ${left.sort().join(", ")}. ` +
        "Make scratch directories with scratchDir() from testing/scratch.ts (it removes them), and remove any other file a test writes there.",
    );
  }
}

module.exports = function tmpGuard() {
  if (run === undefined) setup();
  else teardown();
};
