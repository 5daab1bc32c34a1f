/** @type {import('jest').Config} */
module.exports = {
  displayName: "infra",
  rootDir: __dirname,
  testEnvironment: "node",
  roots: ["<rootDir>/stacks", "<rootDir>/components", "<rootDir>/tools", "<rootDir>/data", "<rootDir>/adapters"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
  // Also set in jest.config.js: testTimeout only applies from the root when projects are used.
  testTimeout: 60000,
};
