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
};
