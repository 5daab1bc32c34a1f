/**
 * The app's jest project. Test files that need PostgreSQL create a throwaway database on the server
 * named by DATABASE_URL, or start an embedded PGlite when it is unset (see test/db.ts).
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: "app",
  rootDir: __dirname,
  testEnvironment: "node",
  roots: ["<rootDir>/src", "<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
  // Database-backed files start an embedded PostgreSQL (wasm) when no server is configured.
  testTimeout: 30000,
  // the same timeout, applied per file (a project's testTimeout is ignored in a multi-project run)
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  // builds dist/server.js once; test/bundle.test.ts and test/outbox.test.ts run that very file
  globalSetup: "<rootDir>/test/global-setup.ts",
};
