/**
 * Target safety: a load campaign is a denial-of-service by design, so it only fires at the local machine
 * unless the operator says otherwise, explicitly, per host.
 */
import { isIP } from "node:net";

export const ALLOW_HOSTS_ENV = "RENFORT_LOADTEST_ALLOW_HOSTS";

/** True for names and addresses that can only reach this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  // RFC 6761 §6.3: "localhost" and names under it resolve to loopback.
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.split(".")[0] === "127";
  if (isIP(host) === 6) {
    if (host === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(host)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    return mapped !== null && mapped[1].split(".")[0] === "127";
  }
  return false;
}

/** Parses the comma-separated allow-list of the environment variable. */
export function allowHostsFromEnv(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
}

export interface TargetPolicy {
  /** Hosts the operator allowed with --allow-host or RENFORT_LOADTEST_ALLOW_HOSTS (exact names). */
  allowHosts: readonly string[];
  /** --i-know-this-is-production */
  iKnowThisIsProduction: boolean;
}

export type TargetDecision = { allowed: true; why: "loopback" | "allow-list" | "production-acknowledged" };

/** Decides whether a campaign may fire at `url`; throws with the fix when it may not. */
export function checkTarget(url: string, policy: TargetPolicy): TargetDecision {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--url: "${url}" is not an absolute URL; expected e.g. http://127.0.0.1:3000`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`--url: protocol ${parsed.protocol} is not supported; use http:// or https://`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new Error("--url: credentials in the URL are not supported (they would end up in the report)");
  }
  const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (isLoopbackHost(host)) return { allowed: true, why: "loopback" };
  if (policy.allowHosts.map((h) => h.toLowerCase().replace(/^\[|\]$/g, "")).includes(host)) {
    return { allowed: true, why: "allow-list" };
  }
  if (policy.iKnowThisIsProduction) return { allowed: true, why: "production-acknowledged" };
  throw new Error(
    `refusing to load ${host}: it is not a loopback address. A campaign is a deliberate overload; ` +
      `add the host with --allow-host ${host} (or ${ALLOW_HOSTS_ENV}=${host}) for staging, ` +
      `or pass --i-know-this-is-production to fire at production.`,
  );
}
