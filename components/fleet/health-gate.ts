/**
 * The release health gate: a Pulumi dynamic resource created after a release's instance groups and
 * before anything is deleted. Its `create` polls the Scaleway API until, in every load balancer the
 * fleet registers in, at least the group's minimum of the new group's instances pass the backend's
 * health check; otherwise it fails, which fails `pulumi up` before the deletions that end an update, so
 * the previous release's groups keep serving.
 *
 * API used (verified in scaleway-sdk-go, https://github.com/scaleway/scaleway-sdk-go):
 * - api/ipam/v1 ListIPs: `GET /ipam/v1/regions/{region}/ips?private_network_id=..&resource_name=..&attached=true`,
 *   `ips[].address` a CIDR; filtering by `resource_name` (a substring of the attached resource's name)
 *   finds the group's instances because the autoscaling service names them after the group id
 *   (terraform-provider-scaleway internal/services/instance/helpers_instance.go DeleteASGServers lists
 *   a group's servers with `name=<group id>`). That the private NIC's IPAM resource name is the server's
 *   name is assumed (the SDK says only "a DNS record is available to resolve the resource name to this IP").
 * - api/lb/v1 ListBackendStats: `GET /lb/v1/zones/{zone}/lbs/{lb_id}/backend-stats?backend_id=..`,
 *   `backend_servers_stats[]` with `ip`, `server_state` (stopped/starting/running/stopping) and
 *   `last_health_check_status` (unknown/neutral/failed/passed/condpass).
 * Authentication: `X-Auth-Token: $SCW_SECRET_KEY` from the environment of `pulumi up` (never an input).
 *
 * Everything the provider runs is in this file and uses only Node's globals (fetch, setTimeout): Pulumi
 * serializes the provider's functions into the state.
 */
import * as pulumi from "@pulumi/pulumi";

/** One instance group and the load balancer backend it registers in. */
export interface GateTarget {
  /** Stable key of the load balancer (primary, secondary). */
  key: string;
  zone: string;
  loadBalancerId: string;
  backendId: string;
  instanceGroupId: string;
  /** Healthy instances of this group required in this backend. */
  minHealthy: number;
}

export interface GateInputs {
  /** `https://api.scaleway.com` unless testing. */
  apiUrl: string;
  region: string;
  privateNetworkId: string;
  /** The release whose groups are gated (shown in the plan). */
  release: string;
  targets: GateTarget[];
  timeoutSeconds: number;
  intervalSeconds: number;
}

/** One row of `backend_servers_stats`. */
export interface BackendServerStat {
  ip: string;
  backend_id?: string;
  server_state?: string;
  last_health_check_status?: string;
}

export interface TargetVerdict {
  key: string;
  healthy: number;
  required: number;
  registered: number;
  ok: boolean;
}

/** Strips a zonal/regional prefix (`fr-par-1/<uuid>` → `<uuid>`): the API paths take the bare id. */
export function bareId(id: string): string {
  const slash = id.lastIndexOf("/");
  return slash >= 0 ? id.slice(slash + 1) : id;
}

/**
 * Counts the new group's instances the backend holds as healthy: running, and whose last health check
 * passed (`condpass` — passed with a condition — is not counted). A server of the previous release never
 * counts, whatever its state.
 */
export function targetVerdict(target: Pick<GateTarget, "key" | "minHealthy">, groupIps: readonly string[], stats: readonly BackendServerStat[]): TargetVerdict {
  const mine = new Set(groupIps);
  const registered = stats.filter((s) => mine.has(s.ip));
  const healthy = registered.filter((s) => s.server_state === "running" && s.last_health_check_status === "passed").length;
  return { key: target.key, healthy, required: target.minHealthy, registered: registered.length, ok: healthy >= target.minHealthy };
}

/** One line per load balancer for logs and the failure message. */
export function describeVerdicts(verdicts: readonly TargetVerdict[]): string {
  return verdicts.map((v) => `${v.key}: ${v.healthy}/${v.required} healthy (${v.registered} registered)`).join("; ");
}

export interface PollDeps {
  /** The Scaleway secret key; the gate refuses to start without it. */
  secretKey: string | undefined;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  log?: (line: string) => void;
}

async function getJson(deps: PollDeps, url: string): Promise<Record<string, unknown>> {
  const response = await deps.fetch(url, { headers: { "X-Auth-Token": deps.secretKey ?? "", accept: "application/json" } });
  const text = await response.text();
  if (!response.ok) {
    // The body is Scaleway's error message (never the token, which is only in the request header).
    throw new Error(`GET ${url.replace(/\?.*$/, "")} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** The private IPv4 addresses of one instance group's instances on the private network. */
export async function groupPrivateIps(deps: PollDeps, inputs: Pick<GateInputs, "apiUrl" | "region" | "privateNetworkId">, instanceGroupId: string): Promise<string[]> {
  const q = new URLSearchParams({
    private_network_id: bareId(inputs.privateNetworkId),
    resource_name: bareId(instanceGroupId),
    attached: "true",
    is_ipv6: "false",
    page_size: "100",
  });
  const body = await getJson(deps, `${inputs.apiUrl}/ipam/v1/regions/${inputs.region}/ips?${q}`);
  const ips = Array.isArray(body.ips) ? (body.ips as { address?: unknown }[]) : [];
  return ips.map((ip) => String(ip.address ?? "").replace(/\/\d+$/, "")).filter((a) => a.length > 0);
}

/** The backend's server statistics. */
export async function backendStats(deps: PollDeps, apiUrl: string, target: Pick<GateTarget, "zone" | "loadBalancerId" | "backendId">): Promise<BackendServerStat[]> {
  const q = new URLSearchParams({ backend_id: bareId(target.backendId), page_size: "100" });
  const body = await getJson(deps, `${apiUrl}/lb/v1/zones/${target.zone}/lbs/${bareId(target.loadBalancerId)}/backend-stats?${q}`);
  return Array.isArray(body.backend_servers_stats) ? (body.backend_servers_stats as BackendServerStat[]) : [];
}

/**
 * Polls until every target is healthy (returns the verdicts) or the timeout passes (throws, naming each
 * load balancer's count). API errors are retried until the timeout, then reported.
 */
export async function waitForHealthyFleet(inputs: GateInputs, deps: PollDeps): Promise<TargetVerdict[]> {
  if (!deps.secretKey) throw new Error("the fleet health gate needs SCW_SECRET_KEY in the environment of pulumi up (the same key the Scaleway provider uses)");
  const deadline = deps.now() + inputs.timeoutSeconds * 1000;
  for (;;) {
    const last: TargetVerdict[] = [];
    let lastError: string | undefined;
    try {
      for (const target of inputs.targets) {
        const ips = await groupPrivateIps(deps, inputs, target.instanceGroupId);
        last.push(targetVerdict(target, ips, await backendStats(deps, inputs.apiUrl, target)));
      }
      deps.log?.(`release ${inputs.release}: ${describeVerdicts(last)}`);
      if (last.every((v) => v.ok)) return last;
    } catch (e) {
      lastError = (e as Error).message;
      deps.log?.(`release ${inputs.release}: ${lastError} (retrying)`);
    }
    if (deps.now() >= deadline) {
      const state = lastError !== undefined ? `last error: ${lastError}` : describeVerdicts(last);
      throw new Error(
        `release ${inputs.release} is not healthy after ${inputs.timeoutSeconds}s (${state}); the previous release keeps serving: ` +
          "read the new instances' logs, fix the release and run pulumi up again",
      );
    }
    await deps.sleep(inputs.intervalSeconds * 1000);
  }
}

/** The inputs that, when changed, make a new gate (a new wait): a new release or other groups. */
export function gateReplaces(olds: Partial<GateInputs>, news: GateInputs): string[] {
  const keys: (keyof GateInputs)[] = ["release", "targets"];
  return keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

const gateProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: GateInputs) {
    const verdicts = await waitForHealthyFleet(inputs, {
      secretKey: process.env.SCW_SECRET_KEY,
      fetch: globalThis.fetch,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
      log: (line) => console.log(line),
    });
    return { id: `${inputs.release}-${Date.now()}`, outs: { ...inputs, verdicts } };
  },
  async diff(_id: string, olds: GateInputs, news: GateInputs) {
    const replaces = gateReplaces(olds, news);
    return { changes: replaces.length > 0 || JSON.stringify(olds.timeoutSeconds) !== JSON.stringify(news.timeoutSeconds), replaces, deleteBeforeReplace: false };
  },
  async update(_id: string, _olds: GateInputs, news: GateInputs) {
    return { outs: { ...news } };
  },
};

export interface FleetHealthGateArgs {
  apiUrl?: pulumi.Input<string>;
  region: pulumi.Input<string>;
  privateNetworkId: pulumi.Input<string>;
  release: pulumi.Input<string>;
  targets: pulumi.Input<pulumi.Input<GateTarget>[]>;
  timeoutSeconds: pulumi.Input<number>;
  intervalSeconds?: pulumi.Input<number>;
}

/** `pulumi-nodejs:dynamic/renfort:FleetHealthGate`: waits for a release's groups to be healthy. */
export class FleetHealthGate extends pulumi.dynamic.Resource {
  public readonly verdicts!: pulumi.Output<TargetVerdict[]>;
  constructor(name: string, args: FleetHealthGateArgs, opts?: pulumi.CustomResourceOptions) {
    super(gateProvider, name, { ...args, apiUrl: args.apiUrl ?? "https://api.scaleway.com", intervalSeconds: args.intervalSeconds ?? 10, verdicts: undefined }, opts, "renfort", "FleetHealthGate");
  }
}
