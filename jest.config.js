/**
 * One `npm test` runs every suite: the infrastructure program and its tools, the policy pack, and the app.
 * Each workspace keeps its own jest project so its tests run with its own setup.
 * @type {import('jest').Config}
 */
module.exports = {
  projects: ["<rootDir>/jest.infra.config.js", "<rootDir>/policies", "<rootDir>/app"],
};
