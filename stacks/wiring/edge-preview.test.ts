/**
 * The Edge component in a staging preview: zone-level resources unprotected, rules fully known before
 * any resource exists (reviewers read them in the plan), records waiting for the origin's IPs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ProgramRun } from "../../tools/plan/harness";
import { committedStack, evaluateStack, originIpsStandIn, withProviders } from "../../tools/plan/testing";
import { isUnknown, UNKNOWN } from "../../tools/plan/values";
import { Edge } from "../../components/edge/index";
import { createEdge } from "./edge";

const staging = committedStack("staging");
const cfg = staging.config;

let run: ProgramRun;
beforeAll(async () => {
  run = await evaluateStack(staging, () => {
    const opts = withProviders(cfg);
    createEdge(cfg, { originIps: originIpsStandIn(cfg, opts), originAuth: { header: "x-renfort-origin-auth", value: pulumi.secret("stand-in-origin-auth") } }, opts);
    const [, cf] = opts.providers;
    // Defaults: a component built with only the required args is protected and uses the safe values.
    new Edge(
      "defaults",
      {
        zoneId: cfg.edge.zoneId,
        mainHost: "www2.renfort-staging.fr",
        originIps: ["51.159.1.1", "51.159.1.2"],
        originAuth: { header: "x-renfort-origin-auth", value: "stand-in-origin-auth" },
        plan: "pro",
        rateLimits: cfg.edge.rateLimits,
      },
      { providers: [cf] },
    );
    return {};
  }, { preview: true });
});

describe("Edge in a staging preview", () => {
  it("leaves staging's zone-level resources unprotected", () => {
    const children = run.resources.filter((r) => r.name.startsWith("renfort-edge-"));
    expect(children).toHaveLength(16);
    for (const r of children) expect(r.protect).toBe(false);
  });

  it("knows every rule and setting at preview time", () => {
    for (const r of run.resources.filter((x) => x.name.startsWith("renfort-edge-") && x.type !== "cloudflare:index/dnsRecord:DnsRecord")) {
      expect(JSON.stringify(r.inputs)).not.toContain(String(UNKNOWN));
    }
    const hsts = run.resources.find((r) => r.name === "renfort-edge-setting-hsts");
    expect(hsts?.inputs.value).toMatchObject({ strict_transport_security: { max_age: 86400 } });
  });

  it("names the records at preview time, and waits for the origin's IPs for their content", () => {
    const records = run.resources.filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord" && r.name.startsWith("renfort-edge-"));
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(isUnknown(r.inputs.content)).toBe(true);
      expect(r.inputs).toMatchObject({ name: "www.renfort-staging.fr", type: "A", proxied: true, ttl: 1 });
    }
  });

  it("protects by default and uses the safe defaults", () => {
    const defaults = run.resources.filter((r) => r.name.startsWith("defaults-") && r.type !== "cloudflare:index/dnsRecord:DnsRecord");
    expect(defaults).toHaveLength(14);
    for (const r of defaults) expect(r.protect).toBe(true);
    const byName = (n: string) => run.resources.find((r) => r.name === n)?.inputs;
    expect(byName("defaults-setting-min-tls-version")?.value).toBe("1.2");
    expect(byName("defaults-setting-hsts")?.value).toMatchObject({ strict_transport_security: { max_age: 31536000, preload: false } });
    const managed = byName("defaults-waf-managed")?.rules as { actionParameters: { id: string } }[];
    expect(managed.map((r) => r.actionParameters.id)).toEqual(["efb7b8c949ac4650a09736fc376e9aee", "4814384a9e5d4991b9815dcfc25d2f1f"]);
    const custom = byName("defaults-waf-custom")?.rules as { ref: string }[];
    expect(custom.map((r) => r.ref)).toEqual(["block_scanner_probes", "block_internal_paths", "challenge_sensitive_paths"]);
  });
});
