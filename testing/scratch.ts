/**
 * Scratch space for tests that removes itself: `scratchDir(prefix)` makes a directory under the
 * system's temporary directory and removes it after the test file's last test, with every other
 * cleanup registered through `onTeardown` (latest first). The root jest config's guard
 * (testing/tmp-guard.js) fails the run when a test leaves anything in the temporary directory.
 *
 * One `afterAll` at the file's top level runs them all: this module is evaluated once per test file
 * (jest gives each file its own module registry) while the file is being collected, so the hook can
 * be registered, and `scratchDir` may then be called anywhere, including inside a test, where jest
 * refuses new hooks. https://jestjs.io/docs/api#afterallfn-timeout
 * It runs after every describe block's hooks but BEFORE the test file's own top-level `afterAll`
 * hooks (jest-circus runs one block's hooks in declaration order, and this import comes first): a
 * top-level cleanup that still needs a scratch directory (a server writing in it) goes through
 * `onTeardown`, registered after the directory, so it runs before the directory is removed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const cleanups: Array<() => unknown> = [];

// A test helper may also be loaded outside jest (a probe a test runs through tsx): nothing to register
// then, and scratchDir/onTeardown refuse to run.
const inJest = typeof afterAll === "function";

async function runCleanups(): Promise<void> {
  const errors: unknown[] = [];
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} test cleanups failed`);
}

if (inJest) afterAll(runCleanups);

/** Run `fn` after the test file's last test (before its own top-level afterAll hooks), latest registered first. */
export function onTeardown(fn: () => unknown): void {
  if (!inJest) throw new Error("testing/scratch.ts cleans up after jest test files only: call scratchDir/onTeardown from a test or its helpers under jest");
  cleanups.push(fn);
}

/** A new directory `<tmpdir>/<prefix>XXXXXX`, removed with its content after the file's last test. */
export function scratchDir(prefix: string): string {
  if (!inJest) throw new Error("testing/scratch.ts cleans up after jest test files only: call scratchDir/onTeardown from a test or its helpers under jest");
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // retries: a child process stopped just before may still be closing files in it
  onTeardown(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));
  return dir;
}
