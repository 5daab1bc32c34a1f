/**
 * One `npm test` runs every suite: the infrastructure program and its tools, the policy pack, and the app.
 * Each workspace keeps its own jest project so its tests run with its own setup.
 * @type {import('jest').Config}
 */
module.exports = {
  projects: ["<rootDir>/jest.infra.config.js", "<rootDir>/policies", "<rootDir>/app"],
  // A global option (ignored inside a project): evaluating the whole program under mocks loads four
  // provider SDKs, and the app's suites start servers; give them room on a 2-core machine.
  testTimeout: 60000,
  // One worker on 2 cores would otherwise run every file in one process, whose heap grows past 7 GB as
  // each file loads the provider SDKs again; a worker above this limit is replaced between files.
  // https://jestjs.io/docs/configuration#workeridlememorylimit-numberstring
  workerIdleMemoryLimit: "1536MB",
  // The run's own TMPDIR, which must be empty at the end: a test that leaves a file there fails the run
  // (testing/tmp-guard.js). Global hooks of the root config run once around every project's tests.
  globalSetup: "<rootDir>/testing/tmp-guard.js",
  globalTeardown: "<rootDir>/testing/tmp-guard.js",
};
