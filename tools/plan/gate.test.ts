/**
 * The credential-free gate end to end: the committed stacks pass, and a stack file changed to weaken the
 * platform in one way fails the plan, naming the policy and the resource (or the config key).
 */
import { ConfigError } from "../../stacks/config";
import { planStack } from "./plan";
import { stackFileWith } from "./testing";

describe("the offline gate", () => {
  it.each(["staging", "prod"])("passes the committed %s stack", async (stack) => {
    const { blocking, plan } = await planStack({ stack });
    expect(blocking).toEqual([]);
    expect(plan.resources.length).toBeGreaterThan(50);
  });

  it.each([
    ["HA off", /highAvailability: true/, "highAvailability: false", "scw-db-ha", "scaleway:databases/instance:Instance"],
    ["TLS 1.0 at the edge", /minTlsVersion: "1.2"/, 'minTlsVersion: "1.0"', "cf-min-tls", "cloudflare:index/zoneSetting:ZoneSetting"],
    ["DMARC p=none", /policy: quarantine/, "policy: none", "email-dmarc-policy", "cloudflare:index/dnsRecord:DnsRecord"],
    ["a fleet too small for the target", /signupsPerSecondPerInstance: \d+(\.\d+)?/, "signupsPerSecondPerInstance: 10", "fleet-capacity", "scaleway:autoscaling/instanceGroup:InstanceGroup"],
    ["backups kept two days", /retentionDays: 14/, "retentionDays: 2", "scw-db-backups", "scaleway:databases/instance:Instance"],
    ["a one-hour HSTS", /maxAgeSeconds: 31536000/, "maxAgeSeconds: 3600", "cf-hsts", "cloudflare:index/zoneSetting:ZoneSetting"],
  ])("fails prod on %s, naming %s and the resource", async (_label, from, to, policy, type) => {
    const { blocking } = await planStack({ stack: "prod", configFile: stackFileWith("prod", from, to) });
    const hit = blocking.find((v) => v.policy === policy);
    expect(hit).toMatchObject({ level: "mandatory", undecided: false, urn: expect.stringContaining(type) });
    expect(hit?.message.length).toBeGreaterThan(20);
  });

  it.each([
    ["a geo ban on FR", /geoBans: \[KP\]/, "geoBans: [KP, FR]", /renfort:edge\.geoBans\[1\]/],
    ["an admin endpoint open to the world", /allowedCidrs: \[203\.0\.113\.16\/29\]/, "allowedCidrs: [0.0.0.0/0]", /renfort:database\.adminAccess\.allowedCidrs\[0\]/],
    ["an image by tag", /digest: sha256:[0-9a-f]{64}/, "digest: latest", /renfort:fleet\.image\.digest/],
  ])("refuses %s as a config error naming the key", async (_label, from, to, key) => {
    const attempt = planStack({ stack: "prod", configFile: stackFileWith("prod", from, to) });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(key);
  });
});
