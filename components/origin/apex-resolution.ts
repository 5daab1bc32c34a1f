/**
 * The apex resolution check: a Pulumi dynamic resource the apex's Let's Encrypt certificates depend on.
 * Its `create` resolves the apex's A records through public resolvers until every resolver answers
 * exactly the load balancers' IPv4 addresses, or fails after the timeout naming what each resolver
 * answered. Let's Encrypt validates HTTP-01 by fetching `http://<apex>/.well-known/acme-challenge/<token>`
 * at an address the apex resolves to (https://letsencrypt.org/docs/challenge-types/#http-01-challenge),
 * so a certificate requested before then fails; this holds the request back until it can succeed,
 * whether the records are declared here or by the apex zone's owner.
 *
 * Everything the provider runs is in this file and uses only Node's `dns` module and timers: Pulumi
 * serializes the provider's functions into the state.
 */
import * as dns from "node:dns";
import * as pulumi from "@pulumi/pulumi";

/** Public resolvers asked by default (Cloudflare, Quad9, Google): what Let's Encrypt sees, not a local cache. */
export const PUBLIC_RESOLVERS = ["1.1.1.1", "9.9.9.9", "8.8.8.8"] as const;

export interface ResolverAnswer {
  resolver: string;
  /** The A records it returned, or the error code (ENOTFOUND, ETIMEOUT, ...). */
  addresses?: string[];
  error?: string;
}

export interface ApexVerdict {
  ok: boolean;
  /** One line per resolver that does not answer exactly the expected set. */
  problems: string[];
}

/**
 * Whether every resolver answers exactly the expected addresses (order ignored). An extra address is a
 * problem too: Let's Encrypt may validate against it, and no load balancer of ours answers there.
 */
export function apexVerdict(apex: string, expected: readonly string[], answers: readonly ResolverAnswer[]): ApexVerdict {
  const want = [...new Set(expected)].sort();
  const problems: string[] = [];
  if (answers.length === 0) problems.push("no resolver was asked");
  for (const a of answers) {
    if (a.error !== undefined) {
      problems.push(`${a.resolver}: ${apex} does not resolve (${a.error})`);
      continue;
    }
    const got = [...new Set(a.addresses ?? [])].sort();
    if (got.join(",") !== want.join(",")) problems.push(`${a.resolver}: ${apex} A = [${got.join(", ")}], expected [${want.join(", ")}]`);
  }
  return { ok: problems.length === 0, problems };
}

export interface ApexCheckInputs {
  apex: string;
  expectedIps: string[];
  /** `host` or `host:port` of each resolver. */
  resolvers: string[];
  timeoutSeconds: number;
  intervalSeconds: number;
}

/** Asks each resolver for the apex's A records (one resolver per `dns.Resolver`, no system cache). */
export async function askResolvers(apex: string, resolvers: readonly string[], perQueryTimeoutMs = 3000): Promise<ResolverAnswer[]> {
  return Promise.all(
    resolvers.map(async (server) => {
      const resolver = new dns.promises.Resolver({ timeout: perQueryTimeoutMs, tries: 1 });
      resolver.setServers([server]);
      try {
        return { resolver: server, addresses: await resolver.resolve4(apex) };
      } catch (e) {
        return { resolver: server, error: String((e as NodeJS.ErrnoException).code ?? (e as Error).message) };
      }
    }),
  );
}

/** Polls until {@link apexVerdict} is ok, or throws after the timeout with the last problems. */
export async function waitForApex(inputs: ApexCheckInputs, ask: typeof askResolvers = askResolvers, now: () => number = Date.now, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<ResolverAnswer[]> {
  const deadline = now() + inputs.timeoutSeconds * 1000;
  for (;;) {
    const answers = await ask(inputs.apex, inputs.resolvers);
    const verdict = apexVerdict(inputs.apex, inputs.expectedIps, answers);
    if (verdict.ok) return answers;
    if (now() >= deadline) {
      throw new Error(
        `${inputs.apex} does not resolve to the load balancers after ${inputs.timeoutSeconds}s, so Let's Encrypt cannot validate it: ${verdict.problems.join("; ")}. ` +
          "Point the apex's A records at `pulumi stack output apexRecords` (or set the Origin's `apexDnsPointedHere` to false until its owner has) and run pulumi up again",
      );
    }
    await sleep(inputs.intervalSeconds * 1000);
  }
}

const apexProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ApexCheckInputs) {
    const answers = await waitForApex(inputs);
    return { id: `${inputs.apex}-${Date.now()}`, outs: { ...inputs, answers } };
  },
  async diff(_id: string, olds: ApexCheckInputs, news: ApexCheckInputs) {
    const replaces = (["apex", "expectedIps"] as const).filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: replaces.length > 0 || JSON.stringify(olds) !== JSON.stringify({ ...olds, ...news }), replaces, deleteBeforeReplace: false };
  },
  async update(_id: string, _olds: ApexCheckInputs, news: ApexCheckInputs) {
    return { outs: { ...news } };
  },
};

export interface ApexResolvesArgs {
  apex: pulumi.Input<string>;
  expectedIps: pulumi.Input<pulumi.Input<string>[]>;
  /** Default {@link PUBLIC_RESOLVERS}. */
  resolvers?: pulumi.Input<string[]>;
  /** Default 1800 (DNS changes at the apex's owner may take a while). */
  timeoutSeconds?: pulumi.Input<number>;
  intervalSeconds?: pulumi.Input<number>;
}

/** `pulumi-nodejs:dynamic/renfort:ApexResolves`: exists once the apex resolves to the load balancers. */
export class ApexResolves extends pulumi.dynamic.Resource {
  constructor(name: string, args: ApexResolvesArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      apexProvider,
      name,
      {
        apex: args.apex,
        expectedIps: args.expectedIps,
        resolvers: args.resolvers ?? [...PUBLIC_RESOLVERS],
        timeoutSeconds: args.timeoutSeconds ?? 1800,
        intervalSeconds: args.intervalSeconds ?? 15,
        answers: undefined,
      },
      opts,
      "renfort",
      "ApexResolves",
    );
  }
}
