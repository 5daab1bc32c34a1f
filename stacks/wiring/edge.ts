/**
 * Maps the stack's typed config onto the edge component's args (the component itself never reads config).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RenfortConfig } from "../config";
import { edgeArgsProblems } from "../../components/edge/check";
import { Edge, type EdgeArgs } from "../../components/edge/index";
import { describeArgProblem, type ArgKeys } from "./problems";

/** Name of the component in every stack (like renfort-network, renfort-origin); its children are `renfort-edge-<key>`. */
export const EDGE_NAME = "renfort-edge";

/** The component's args for a stack: pure, so the mapping is tested without the engine. */
/** What the edge takes from the origin: its IPs and the origin lock's header (name and secret value). */
export interface EdgeDeps {
  originIps: pulumi.Input<string[]>;
  originAuth: EdgeArgs["originAuth"];
}

export function edgeArgsFromConfig(cfg: RenfortConfig, deps: EdgeDeps): EdgeArgs {
  const e = cfg.edge;
  return {
    zoneId: e.zoneId,
    mainHost: cfg.domain.mainHost,
    originIps: deps.originIps,
    originAuth: deps.originAuth,
    plan: e.plan,
    minTlsVersion: e.minTlsVersion,
    hsts: { maxAgeSeconds: e.hsts.maxAgeSeconds, preload: e.hsts.preload },
    owaspCore: e.waf.owaspCore,
    geoBans: [...e.geoBans],
    sensitivePaths: [...e.sensitivePaths],
    rateLimits: { signup: { ...e.rateLimits.signup }, apiWrites: { ...e.rateLimits.apiWrites } },
    // Zone-level resources are protected in prod: deleting them would leave the zone without its WAF.
    protect: cfg.tier === "prod",
  };
}

/** Config key of each argument the edge checks (components/edge/check.ts). */
export const EDGE_ARG_KEYS: ArgKeys = { plan: "edge.plan", owaspCore: "edge.waf.owaspCore", geoBans: "edge.geoBans", rateLimits: "edge.rateLimits", hsts: "edge.hsts" };

/** What the edge would refuse in this stack's config, named by config key. */
export function edgeConfigProblems(cfg: RenfortConfig): string[] {
  const e = cfg.edge;
  return edgeArgsProblems({ plan: e.plan, owaspCore: e.waf.owaspCore, geoBans: e.geoBans, rateLimits: e.rateLimits, hsts: e.hsts }).map((p) =>
    describeArgProblem(p, EDGE_ARG_KEYS),
  );
}

export function createEdge(cfg: RenfortConfig, deps: EdgeDeps, opts: pulumi.ComponentResourceOptions): Edge {
  return new Edge(EDGE_NAME, edgeArgsFromConfig(cfg, deps), opts);
}
