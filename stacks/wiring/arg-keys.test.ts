/**
 * Components name their arguments; the wiring names the config keys. What the fleet's capacity model and the
 * origin say reaches the operator with the keys to change.
 */
import * as pulumi from "@pulumi/pulumi";
import { capacityVerdict } from "../../components/fleet/capacity";
import { committedStack, evaluateStack, withProviders } from "../../tools/plan/testing";
import { parseConfig } from "../config";
import { committedRaw } from "../../tools/plan/testing";
import { FLEET_ARG_KEYS, capacityArgsFromConfig, capacityVerdictByKey, createFleet } from "./fleet";
import { createOrigin } from "./origin";
import { keyOfArg } from "./problems";

const prod = () => parseConfig(committedRaw("prod"));

describe("the fleet's capacity verdict, named by config key", () => {
  it("names every argument of every reason by its key: a fleet too small, a database and an app role with too few connections", () => {
    const cfg = prod();
    cfg.capacity.signupsPerSecondPerInstance = 10;
    cfg.database.settings = { ...cfg.database.settings, max_connections: "100" };
    cfg.database.roles.app.connectionLimit = 50;
    const byArg = capacityVerdict(capacityArgsFromConfig(cfg));
    expect(byArg.reasons).toHaveLength(3);
    const { reasons } = capacityVerdictByKey(byArg);
    expect(reasons[0]).toMatch(/but renfort:fleet\.maxInstances is \d+: raise renfort:fleet\.maxInstances to at least \d+, or lower renfort:capacity\.targetSignupsPerSecond \/ renfort:capacity\.headroom$/);
    expect(reasons[1]).toMatch(/x renfort:fleet\.maxInstances \d+ x \(renfort:fleet\.poolSize \d+ \+ 1 LISTEN connection\) \+ renfort:capacity\.connectionReserve \d+\) but renfort:database\.settings\.max_connections is 100: lower renfort:fleet\.poolSize/);
    expect(reasons[2]).toMatch(/but renfort:database\.roles\.app\.connectionLimit is 50/);
    for (const r of reasons) expect(r).not.toContain("`");
  });

  it("leaves a verdict that is ok as it is", () => {
    const verdict = capacityVerdict(capacityArgsFromConfig(prod()));
    expect(verdict.ok).toBe(true);
    expect(capacityVerdictByKey(verdict)).toEqual(verdict);
  });

  it("refuses an input the model cannot use when the fleet is built, naming the key (the config's own rules refuse it first)", async () => {
    const stack = committedStack("prod");
    stack.config.fleet.poolSize = 0;
    const secrets = { originTlsPrivateKey: pulumi.secret("k"), adminToken: pulumi.secret("t"), acmeDnsApiToken: pulumi.secret("cf") };
    const run = evaluateStack(stack, () => {
      const opts = withProviders(stack.config);
      const origin = createOrigin(stack.config, secrets, { privateNetworkId: pulumi.output("pn") }, opts);
      const deps = { privateNetworkId: pulumi.output("pn"), loadBalancers: origin.loadBalancers, appDatabaseUrl: pulumi.secret("u"), databaseCaCertificate: "", smtpUrl: pulumi.secret("s") };
      createFleet(stack.config, secrets, deps, opts);
    });
    await expect(run).rejects.toThrow(/^renfort:fleet\.poolSize must be an integer > 0, got 0$/);
  });

  it("maps each argument to a key the config has", () => {
    for (const arg of Object.keys(FLEET_ARG_KEYS)) expect(keyOfArg(arg, FLEET_ARG_KEYS)).toMatch(/^renfort:(capacity|fleet|database|app|domain)\./);
  });
});

describe("what the origin's constructor refuses, named by config key", () => {
  it("an apex equal to the main host: renfort:domain.apex and renfort:domain.mainHost", async () => {
    const stack = committedStack("prod");
    stack.config.domain.apex = stack.config.domain.mainHost;
    const secrets = { originTlsPrivateKey: pulumi.secret("k"), adminToken: pulumi.secret("t"), acmeDnsApiToken: pulumi.secret("cf") };
    const run = evaluateStack(stack, () => {
      createOrigin(stack.config, secrets, { privateNetworkId: pulumi.output("pn") }, withProviders(stack.config));
    });
    await expect(run).rejects.toThrow(/^renfort:domain\.apex and renfort:domain\.mainHost must differ \(the apex redirects to the main host\)/);
  });
});
