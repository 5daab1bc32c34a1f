/** What the fleet runs: image references and the plain environment, read from cloud-init or container args. */

export const ENV_BEGIN = "# BEGIN renfort plain env";
export const ENV_END = "# END renfort plain env";

/** KEY=value pairs between the plain-env markers (contract: the fleet's cloud-init writes them there). */
export function plainEnvFromCloudInit(cloudInit: string): Record<string, string> | undefined {
  const start = cloudInit.indexOf(ENV_BEGIN);
  const end = cloudInit.indexOf(ENV_END, start + 1);
  if (start < 0 || end < 0) return undefined;
  const env: Record<string, string> = {};
  for (const raw of cloudInit.slice(start + ENV_BEGIN.length, end).split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    env[line.slice(0, eq).replace(/^export\s+/, "").trim()] = line.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, "$2");
  }
  return env;
}

export interface ImageRef {
  ref: string;
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const REGISTRY_HOSTS = /(^|\.)(scw\.cloud|docker\.io|ghcr\.io|quay\.io|gcr\.io|pkg\.dev|amazonaws\.com|ecr\.aws|azurecr\.io|mcr\.microsoft\.com)$/;
const REF = /((?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d+)?)\/([a-z0-9][a-z0-9._/-]*?)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}|sha256:[^\s"']*))?(?=$|[\s"'`,;)])/g;
/** Image names after `docker/podman pull|run` or `image:` / `IMAGE=` without a registry host (Docker Hub). */
const BARE = /(?:(?:docker|podman|nerdctl)\s+(?:pull|run(?:\s+-{1,2}[^\s]+(?:\s+[^-\s][^\s]*)?)*)|\bimage\s*[:=]|IMAGE\s*=)\s*["']?([a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?(?:@sha256:[0-9a-f]{64})?)/g;

export function imageRefs(text: string): ImageRef[] {
  const out = new Map<string, ImageRef>();
  for (const m of text.matchAll(REF)) {
    const [ref, host, repository, tag, digest] = m;
    const before = text.slice(Math.max(0, (m.index ?? 0) - 3), m.index);
    if (before.endsWith("//") || !REGISTRY_HOSTS.test(host.replace(/:\d+$/, ""))) continue;
    out.set(ref, { ref, host, repository, tag, digest });
  }
  for (const m of text.matchAll(BARE)) {
    const ref = m[1];
    if (ref.includes(".") && ref.split("/")[0].includes(".")) continue; // has a host: handled above
    const [nameTag, digest] = ref.split("@");
    const [repository, tag] = nameTag.split(":");
    if (!out.has(ref)) out.set(ref, { ref, host: "docker.io", repository, tag, digest });
  }
  return [...out.values()];
}

export const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Why an env var looks like a secret (never the value itself), or undefined. */
export function secretReason(key: string, value: string, allowKeys: readonly string[]): string | undefined {
  if (allowKeys.includes(key) || value === "") return undefined;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) return "holds a private key";
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(value)) return "is a URL with embedded credentials";
  if (/(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH|SIGNING_?KEY|SALT|DSN)(_|$)/i.test(key))
    return "has a secret-like name";
  if (value.length >= 24 && !/\s/.test(value) && entropy(value) >= 4 && /[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value))
    return "has a high-entropy value";
  return undefined;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}
