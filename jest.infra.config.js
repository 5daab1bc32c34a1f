/** @type {import('jest').Config} */
module.exports = {
  displayName: "infra",
  rootDir: __dirname,
  testEnvironment: "node",
  roots: ["<rootDir>/stacks", "<rootDir>/components", "<rootDir>/tools", "<rootDir>/data"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
  // Evaluating the whole program under mocks loads four provider SDKs: give it room on a 2-core machine.
  testTimeout: 60000,
};
