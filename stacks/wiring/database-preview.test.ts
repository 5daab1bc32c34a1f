/**
 * The prod database in a preview of a first deployment: the instance's endpoints are not known yet, so
 * the provider's host and the connection strings stay unknown, and nothing fails or leaks.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ProgramRun } from "../../tools/plan/harness";
import { committedStack, evaluateStack } from "../../tools/plan/testing";
import { UNKNOWN, isUnknown, redactSecrets } from "../../tools/plan/values";
import { createDatabase } from "./database";

const prod = committedStack("prod");
const cfg = prod.config;

let run: ProgramRun;
beforeAll(async () => {
  run = await evaluateStack(prod, () => {
    const db = createDatabase(cfg, { originTlsPrivateKey: pulumi.secret("x"), adminToken: pulumi.secret("x") }, { privateNetworkId: pulumi.output("fr-par/pn") }, {});
    return { app: db.appConnectionString, privateEndpoint: db.privateEndpoint, adminEndpoint: db.adminEndpoint };
  }, { preview: true });
});

it("plans every resource of the prod database", () => {
  expect(run.resources.filter((r) => r.custom)).toHaveLength(26);
});

it("leaves the endpoints unknown instead of failing", () => {
  expect(isUnknown(run.outputs.privateEndpoint)).toBe(true);
  expect(isUnknown(run.outputs.adminEndpoint)).toBe(true);
  const provider = run.resources.find((r) => r.type === "pulumi:providers:postgresql");
  expect(provider?.inputs.host).toBe(UNKNOWN);
});

it("keeps the connection string secret even while unknown", () => {
  expect(redactSecrets(run.outputs.app)).toBe("[secret]");
  expect(JSON.stringify(redactSecrets(run))).not.toMatch(/postgres:\/\//);
});
