import * as pulumi from "@pulumi/pulumi";
import { plainAppEnv } from "../../components/fleet/cloud-init";
import { committedRaw } from "../../tools/plan/testing";
import { parseConfig } from "../config";
import { fleetArgsFromConfig } from "./fleet";

/** The activation links the outbox mails lead to the stack's main host (renfort:domain.mainHost), through the edge. */
describe.each(["staging", "prod"] as const)("%s: the fleet's PUBLIC_URL", (name) => {
  it("is https://<renfort:domain.mainHost>, in the instances' plain env", () => {
    const cfg = parseConfig(committedRaw(name));
    const args = fleetArgsFromConfig(cfg, { adminToken: pulumi.secret("t".repeat(40)) }, { privateNetworkId: "pn", loadBalancers: [], appDatabaseUrl: "postgres://x", databaseCaCertificate: "", smtpUrl: "smtp://x" });
    expect(args.app.publicUrl).toBe(`https://${cfg.domain.mainHost}`);
    const env = plainAppEnv({ appPort: 8080, mailFrom: args.app.mailFrom, publicUrl: args.app.publicUrl, trustedProxies: args.app.trustedProxies, degradedMode: false, poolSize: 20, logLevel: "info", rateLimits: args.app.rateLimits, adminAllowedCidrs: args.app.adminAllowedCidrs });
    expect(env.PUBLIC_URL).toBe(`https://${cfg.domain.mainHost}`);
  });
});
