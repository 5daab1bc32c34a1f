/**
 * Test guard: replaces every lookup function of `node:dns` (callback, promise and Resolver APIs) with one that
 * records the call and throws, so a validation that would reach the network fails the test instead.
 */
import dns from "node:dns";

type Fn = (...args: unknown[]) => unknown;
type Target = Record<string, unknown>;

const METHODS = [
  "lookup",
  "lookupService",
  "resolve",
  "resolve4",
  "resolve6",
  "resolveAny",
  "resolveCaa",
  "resolveCname",
  "resolveMx",
  "resolveNaptr",
  "resolveNs",
  "resolvePtr",
  "resolveSoa",
  "resolveSrv",
  "resolveTxt",
  "reverse",
];

export interface DnsGuard {
  /** `<api>.<method>(<first argument>)` for every attempted lookup. */
  calls: string[];
  restore(): void;
}

export function installDnsGuard(): DnsGuard {
  const calls: string[] = [];
  const saved: [Target, string, unknown][] = [];
  const targets: [string, Target][] = [
    ["dns", dns as unknown as Target],
    ["dns.promises", dns.promises as unknown as Target],
    ["dns.Resolver", dns.Resolver.prototype as unknown as Target],
    ["dns.promises.Resolver", dns.promises.Resolver.prototype as unknown as Target],
  ];
  for (const [api, target] of targets) {
    for (const m of METHODS) {
      if (typeof target[m] !== "function") continue;
      saved.push([target, m, target[m]]);
      const guard: Fn = (...args) => {
        calls.push(`${api}.${m}(${String(args[0])})`);
        throw new Error(`unexpected DNS lookup in a test: ${api}.${m}(${String(args[0])})`);
      };
      Object.defineProperty(target, m, { value: guard, configurable: true, writable: true });
    }
  }
  return {
    calls,
    restore() {
      for (const [target, m, fn] of saved.reverse()) Object.defineProperty(target, m, { value: fn, configurable: true, writable: true });
    },
  };
}
