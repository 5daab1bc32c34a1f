import { resourcePolicy } from "../../lib/policy";
import { cloudInitOf, isContainer } from "../../lib/fleet";
import { T, type ContainerProps } from "../../lib/types";

export interface Config {
  /** The client appends `uselibpqcompat=true` itself (Renfort's app does: app/src/db.ts, libpqCompatUrl). */
  clientAddsLibpqCompat: boolean;
  /** Accept `sslmode=require` (encryption without verifying the server). */
  allowRequire: boolean;
}

/**
 * pg-connection-string 2.x (node-postgres 8, pinned here) reads `sslmode` its own way unless the URL
 * carries `uselibpqcompat=true`: `prefer`, `require` and `verify-ca` become `verify-full` against
 * Node's CA store (which never holds a managed instance's own CA, so the handshake fails), `no-verify`
 * exists only there, `sslrootcert` is always a file path (libpq 16's `system` is not), and a URL
 * without sslmode connects in clear where libpq would try TLS first. Source: the `uselibpqcompat`
 * branch of `parse` in
 * https://github.com/brianc/node-postgres/blob/c9e57617bc92c2ded23a75345f50eadc527bd131/packages/pg-connection-string/index.js#L102-L160
 * and libpq's table: https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-SSLMODE-STATEMENTS
 * A problem is a sentence; the URL itself (it holds a password) is never repeated.
 */
export function sslmodeProblem(url: string, config: Config): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const sslmode = u.searchParams.get("sslmode");
  const rootcert = u.searchParams.get("sslrootcert");
  const compat = u.searchParams.get("uselibpqcompat") === "true" || config.clientAddsLibpqCompat;
  const fix = "use sslmode=verify-ca&sslrootcert=<path of the instance's CA file> (components/database: DATABASE_CA_PATH)";
  if (sslmode === null) return `has no sslmode: node-postgres then connects without TLS while libpq tries TLS first (prefer); ${fix}`;
  if (sslmode === "prefer" || sslmode === "allow") {
    return `has sslmode=${sslmode}: libpq may fall back to an unencrypted connection, node-postgres never does (and reads prefer as verify-full without uselibpqcompat); ${fix}`;
  }
  if (sslmode === "no-verify") return `has sslmode=no-verify, a node-postgres-only value that libpq refuses; ${fix}`;
  if (!["disable", "require", "verify-ca", "verify-full"].includes(sslmode)) return `has sslmode=${sslmode}, which is not a libpq sslmode; ${fix}`;
  if ((sslmode === "verify-ca" || sslmode === "verify-full") && rootcert === null) {
    return `has sslmode=${sslmode} without sslrootcert: node-postgres then trusts Node's CA store and libpq ~/.postgresql/root.crt, neither holds the instance's CA; ${fix}`;
  }
  if (rootcert === "system") return `has sslrootcert=system, which node-postgres reads as a file named "system"; ${fix}`;
  if (sslmode === "require" && !config.allowRequire) {
    return compat
      ? `has sslmode=require: the connection is encrypted but the server is not verified; ${fix}`
      : `has sslmode=require without uselibpqcompat=true: node-postgres reads it as verify-full against Node's CA store (refused by the instance's own certificate) while libpq encrypts without verifying; ${fix}`;
  }
  if (sslmode === "verify-ca" && !compat) {
    return `has sslmode=verify-ca without uselibpqcompat=true: node-postgres reads it as verify-full (it also checks the host name, libpq does not); add uselibpqcompat=true or let the client add it`;
  }
  return undefined;
}

const URL_IN_TEXT = /(?:\b([A-Z_][A-Z0-9_]*)=)?["']?(postgres(?:ql)?:\/\/[^\s"'`]+)/g;

/** Every postgres URL of a text with the variable it is assigned to, when there is one. */
export function postgresUrlsIn(text: string): { key: string | undefined; url: string }[] {
  return [...text.matchAll(URL_IN_TEXT)].map((m) => ({ key: m[1], url: m[2]! }));
}

/** A connection string the fleet's client would read differently from libpq fails the plan before a deploy fails the handshake. */
export const pgSslmodeLibpq = resourcePolicy<Config>(
  {
    name: "pg-sslmode-libpq",
    description:
      "Every PostgreSQL URL the fleet reads has a TLS mode node-postgres and libpq read the same way, verified against the instance's own CA (sslmode and sslrootcert).",
    severity: "high",
    remediationSteps:
      "Render the fleet's DATABASE_URL with the Database component's verify-ca connection string (components/database/connection.ts: withVerifiedTls, DATABASE_CA_PATH) and write its caCertificate output to that path on the instances.",
    url: "https://github.com/brianc/node-postgres/blob/c9e57617bc92c2ded23a75345f50eadc527bd131/packages/pg-connection-string/index.js#L102-L160",
    configSchema: {
      properties: {
        clientAddsLibpqCompat: {
          type: "boolean",
          default: true,
          description: "The fleet's client appends uselibpqcompat=true itself (Renfort's app does, app/src/db.ts).",
        },
        allowRequire: { type: "boolean", default: false, description: "Accept sslmode=require (encrypted, server not verified)." },
      },
    },
  },
  [...T.instanceTemplate, ...T.server, ...T.container],
  ({ type, props, config, report }) => {
    const texts: { where: string; text: string }[] = [];
    if (isContainer(type)) {
      const c = props as Partial<ContainerProps> & { secretEnvironmentVariables?: Record<string, string> };
      for (const [k, v] of Object.entries({ ...(c.environmentVariables ?? {}), ...(c.secretEnvironmentVariables ?? {}) })) {
        texts.push({ where: "the container environment", text: `${k}=${String(v)}` });
      }
    } else {
      const init = cloudInitOf(type, props);
      if (init !== undefined) texts.push({ where: "the cloud-init", text: init });
    }
    for (const { where, text } of texts) {
      for (const { key, url } of postgresUrlsIn(text)) {
        const problem = sslmodeProblem(url, config);
        if (problem) report(`${key ?? "a PostgreSQL URL"} in ${where} ${problem}.`);
      }
    }
  },
);
