/** A test that needs a PostgreSQL server never skips silently under CI. */
import { serverOnlyMode } from "./db";

describe("serverOnlyMode", () => {
  it.each([
    [{ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres", CI: "true" }, "run"],
    [{ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres" }, "run"],
    [{ CI: "true" }, "fail"],
    [{ CI: "1" }, "fail"],
    [{}, "skip"],
    [{ CI: "false" }, "skip"],
    [{ CI: "" }, "skip"],
  ])("%j -> %s", (env, expected) => {
    expect(serverOnlyMode(env as NodeJS.ProcessEnv)).toBe(expected);
  });
});
