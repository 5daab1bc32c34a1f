/**
 * The cloud-config every fleet instance boots with: install Docker, write the app's env files, log in to
 * the private registry and run the app image pinned by digest under systemd.
 *
 * Contract with the policy pack and the ops runbook:
 * - the app's plain env is written to {@link PLAIN_ENV_PATH} between the lines `# BEGIN renfort plain env`
 *   and `# END renfort plain env`, one `KEY=value` per line; docker reads it once, when the container starts;
 * - secret env (database and SMTP URLs, admin token) and the registry password go to root-only files
 *   elsewhere in the same document, so the whole text is a secret and the component marks it so;
 * - the database instance's CA certificate (not secret) goes to {@link DATABASE_CA_PATH}, mode 0644, and is
 *   mounted read-only at the same path in the container: `DATABASE_URL` says
 *   `sslmode=verify-ca&sslrootcert=/etc/renfort/database-ca.pem`, and without that file the app refuses to start.
 * Degraded mode is a database row (app/src/degraded-mode.ts), not an env value the instance re-reads:
 * `DEGRADED_MODE` only seeds a new database, and `systemctl reload renfort-app` (SIGHUP) makes the app
 * re-read the row at once instead of at its next periodic read.
 * cloud-config reference: https://cloudinit.readthedocs.io/en/latest/reference/examples.html
 */
import { DATABASE_CA_PATH } from "../database/connection";

export { DATABASE_CA_PATH };

export const PLAIN_ENV_BEGIN = "# BEGIN renfort plain env";
export const PLAIN_ENV_END = "# END renfort plain env";
export const PLAIN_ENV_PATH = "/etc/renfort/app.env";
export const SECRET_ENV_PATH = "/etc/renfort/secret.env";
export const REGISTRY_PASSWORD_PATH = "/etc/renfort/registry-password";
export const CONTAINER_NAME = "renfort-app";

export interface CloudInitInput {
  /** Full image reference, `rg.<region>.scw.cloud/<namespace>/<repository>@sha256:<digest>`. */
  image: string;
  /** The port the app listens on (published on the instance's private address). */
  appPort: number;
  /** Plain env, written between the markers. */
  plainEnv: Record<string, string>;
  /** Secret env. */
  secretEnv: Record<string, string>;
  /** Secret key of the registry-pull API key (Scaleway registries take any user name with it). */
  registryPassword: string;
  /** PEM of the database instance's CA certificate (the Database component's `caCertificate`), written to {@link DATABASE_CA_PATH}. */
  databaseCaCertificate: string;
}

export interface AppEnvInput {
  appPort: number;
  /** Sender of the app's mail (the From address on the sending domain). */
  mailFrom: string;
  /**
   * The site's public https origin (the app's `PUBLIC_URL`): the activation links the outbox worker mails
   * point to it, and the worker refuses to start without it.
   */
  publicUrl: string;
  /** Proxies whose forwarding headers the app trusts: Cloudflare's ranges and the private subnet (the LB). */
  trustedProxies: readonly string[];
  /** Whether a new database starts in degraded mode (the app's `DEGRADED_MODE` seed). */
  degradedMode: boolean;
  /** PostgreSQL pool size per instance: the capacity model's `capacity.poolSize`. */
  poolSize: number;
  /** The app's log level (pino). */
  logLevel: string;
  /** The app's backstop rate limits per client per minute, from the edge's (see {@link backstopPerMinute}). */
  rateLimits: { signupPerMinute: number; writesPerMinute: number };
  /** Client addresses (CIDR) the admin API answers, with its token: the operators' (the Fleet's `app.adminAllowedCidrs`). */
  adminAllowedCidrs: readonly string[];
}

/**
 * The most requests one client can get through an edge rate limit of `requestsPerPeriod` per
 * `periodSeconds` within any 60 s: the edge counts in windows of its period (and blocks for the rest of
 * it once over), so a minute overlaps at most ceil(60 / period) + 1 of them, each passing up to the
 * threshold. The app's per-minute backstop, counted per instance, is set to that, so no instance (and
 * hence not the fleet) blocks what the edge let through.
 * https://developers.cloudflare.com/waf/rate-limiting-rules/request-rate/
 */
export function backstopPerMinute(limit: { requestsPerPeriod: number; periodSeconds: number }): number {
  if (!Number.isInteger(limit.requestsPerPeriod) || limit.requestsPerPeriod < 1) throw new Error(`edge rate limit requestsPerPeriod must be a positive integer, got ${limit.requestsPerPeriod}`);
  if (!Number.isInteger(limit.periodSeconds) || limit.periodSeconds < 1) throw new Error(`edge rate limit periodSeconds must be a positive integer, got ${limit.periodSeconds}`);
  return limit.requestsPerPeriod * (Math.ceil(60 / limit.periodSeconds) + 1);
}

/**
 * The app's plain environment (see app/src/config.ts for each variable). The outbox worker runs in every
 * instance: it claims rows with SKIP LOCKED, so instances share the queue without sending twice.
 */
export function plainAppEnv(e: AppEnvInput): Record<string, string> {
  if (e.trustedProxies.length === 0) throw new Error("fleet TRUSTED_PROXIES must list Cloudflare's ranges and the private subnet, got nothing");
  if (!/^https:\/\/[a-z0-9.-]+(?::\d+)?$/.test(e.publicUrl)) throw new Error(`fleet PUBLIC_URL must be the site's https origin with no path, e.g. https://www.example.fr, got ${JSON.stringify(e.publicUrl)}`);
  if (e.adminAllowedCidrs.length === 0) throw new Error("fleet ADMIN_ALLOWED_CIDRS must list the operators' addresses (`app.adminAllowedCidrs`), got nothing");
  return {
    PORT: String(e.appPort),
    HOST: "0.0.0.0",
    MAIL_FROM: e.mailFrom,
    PUBLIC_URL: e.publicUrl,
    TRUSTED_PROXIES: e.trustedProxies.join(","),
    DEGRADED_MODE: e.degradedMode ? "on" : "off",
    PG_POOL_SIZE: String(e.poolSize),
    // a fixed-size pool, opened before the instance serves: a surge never waits for new connections
    // (app/README.md, "The signup's round trips and the connection pool"); the connection budget already counts poolSize per instance
    PG_POOL_MIN: String(e.poolSize),
    LOG_LEVEL: e.logLevel,
    RATE_LIMIT_SIGNUP_PER_MINUTE: String(e.rateLimits.signupPerMinute),
    RATE_LIMIT_WRITE_PER_MINUTE: String(e.rateLimits.writesPerMinute),
    ADMIN_ALLOWED_CIDRS: e.adminAllowedCidrs.join(","),
    OUTBOX_WORKER: "on",
  };
}

/** `rg.fr-par.scw.cloud/ns/repo@sha256:<64 hex>`, nothing else: a tag would let the fleet drift. */
const PINNED_IMAGE = /^rg\.[a-z]{2}-[a-z]{3}\.scw\.cloud\/[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9._/-]*@sha256:[0-9a-f]{64}$/;
const ENV_KEY = /^[A-Z_][A-Z0-9_]*$/;

/** A docker `--env-file` takes each line literally after `=`; a line break would split a value. */
function envLines(env: Record<string, string>, kind: "plain" | "secret"): string[] {
  return Object.entries(env).map(([k, v]) => {
    if (!ENV_KEY.test(k)) throw new Error(`fleet ${kind} env key ${JSON.stringify(k)} must be upper-case letters, digits and _`);
    if (typeof v !== "string" || /[\r\n\0]/.test(v)) {
      // Never echo a secret value, even in an error.
      throw new Error(`fleet ${kind} env ${k} must be a single-line string${kind === "plain" ? `, got ${JSON.stringify(v)}` : ""}`);
    }
    return `${k}=${v}`;
  });
}

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\n(?:[^\n\0-][^\n\0]*\n)+-----END CERTIFICATE-----$/;

/**
 * The CA certificate's PEM lines, trimmed of surrounding blank lines and `\r`. Throws when it is not one or
 * more PEM certificates: the app would refuse every connection (and a stray line could break the YAML).
 */
export function caCertificateLines(pem: string): string[] {
  const text = typeof pem === "string" ? pem.replace(/\r\n/g, "\n").trim() : "";
  const blocks = text.split(/(?<=-----END CERTIFICATE-----)\n+/);
  if (text === "" || !blocks.every((b) => PEM_CERTIFICATE.test(b))) {
    throw new Error(
      "the database CA certificate (the Database component's caCertificate, the instance's `certificate` attribute) must be PEM (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----): the app verifies the database against it and refuses to start without it",
    );
  }
  return blocks.join("\n").split("\n");
}

/** A YAML literal block (`|`) body, indented; every line is emitted verbatim so no escaping is needed. */
function literal(lines: string[], indent: string): string {
  return lines.map((l) => (l === "" ? "" : `${indent}${l}`)).join("\n");
}

/** Renders the cloud-config document (first line `#cloud-config`). Throws on an unpinned image or a bad env. */
export function renderCloudInit(input: CloudInitInput): string {
  if (!PINNED_IMAGE.test(input.image)) {
    throw new Error(
      `the fleet image must come from the project's Scaleway registry and be pinned by digest (rg.<region>.scw.cloud/<namespace>/<repository>@sha256:<64 hex>), got ${JSON.stringify(input.image)}: set \`image.digest\``,
    );
  }
  if (!Number.isInteger(input.appPort) || input.appPort < 1 || input.appPort > 65535) {
    throw new Error(`\`appPort\` must be an integer port, got ${input.appPort}`);
  }
  const overlap = Object.keys(input.plainEnv).filter((k) => k in input.secretEnv);
  if (overlap.length > 0) throw new Error(`fleet env keys ${overlap.join(", ")} must be either plain or secret, not both`);
  if (typeof input.registryPassword !== "string" || input.registryPassword.length === 0 || /[\r\n]/.test(input.registryPassword)) {
    throw new Error("the registry-pull API key returned no usable secret key (scaleway.iam.ApiKey.secretKey): the instances could not pull the app image");
  }
  const caLines = caCertificateLines(input.databaseCaCertificate);
  const registryHost = input.image.split("/")[0];
  const plain = [PLAIN_ENV_BEGIN, ...envLines(input.plainEnv, "plain"), PLAIN_ENV_END];
  const secret = envLines(input.secretEnv, "secret");

  // The unit pulls by digest, so a restart can never run another build than the template says.
  // The CA file is mounted read-only at the path DATABASE_URL's sslrootcert names (the image has no such file).
  const unit = [
    "[Unit]",
    "Description=Renfort app container",
    "After=docker.service network-online.target",
    "Requires=docker.service",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Restart=always",
    "RestartSec=5",
    "TimeoutStartSec=300",
    `ExecStartPre=/bin/sh -c 'docker login ${registryHost} --username nologin --password-stdin < ${REGISTRY_PASSWORD_PATH}'`,
    `ExecStartPre=/usr/bin/docker pull ${input.image}`,
    `ExecStartPre=-/usr/bin/docker rm -f ${CONTAINER_NAME}`,
    `ExecStart=/usr/bin/docker run --name ${CONTAINER_NAME} --init --log-driver journald --env-file ${PLAIN_ENV_PATH} --env-file ${SECRET_ENV_PATH} --volume ${DATABASE_CA_PATH}:${DATABASE_CA_PATH}:ro --publish ${input.appPort}:${input.appPort} ${input.image}`,
    // reload: the app re-reads the degraded-mode row now rather than at its next periodic read.
    `ExecReload=/usr/bin/docker kill --signal HUP ${CONTAINER_NAME}`,
    `ExecStop=/usr/bin/docker stop --time 30 ${CONTAINER_NAME}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ];

  return [
    "#cloud-config",
    "package_update: true",
    "packages:",
    "  - docker.io",
    "write_files:",
    `  - path: ${PLAIN_ENV_PATH}`,
    '    owner: "root:root"',
    '    permissions: "0644"',
    "    content: |",
    literal(plain, "      "),
    `  - path: ${SECRET_ENV_PATH}`,
    '    owner: "root:root"',
    '    permissions: "0600"',
    "    content: |",
    literal(secret, "      "),
    `  - path: ${REGISTRY_PASSWORD_PATH}`,
    '    owner: "root:root"',
    '    permissions: "0600"',
    "    content: |",
    literal([input.registryPassword], "      "),
    `  - path: ${DATABASE_CA_PATH}`,
    '    owner: "root:root"',
    '    permissions: "0644"',
    "    content: |",
    literal(caLines, "      "),
    "  - path: /etc/systemd/system/renfort-app.service",
    '    owner: "root:root"',
    '    permissions: "0644"',
    "    content: |",
    literal(unit, "      "),
    "runcmd:",
    "  - [systemctl, enable, --now, docker.service]",
    "  - [systemctl, daemon-reload]",
    "  - [systemctl, enable, --now, renfort-app.service]",
    "",
  ].join("\n");
}

/** Reads the plain env back out of a rendered cloud-init (what the policy pack does). */
export function readPlainEnv(cloudInit: string): Record<string, string> {
  const lines = cloudInit.split("\n").map((l) => l.trim());
  const start = lines.indexOf(PLAIN_ENV_BEGIN);
  const end = lines.indexOf(PLAIN_ENV_END);
  if (start < 0 || end < start) throw new Error(`the cloud-init has no "${PLAIN_ENV_BEGIN}" ... "${PLAIN_ENV_END}" block`);
  return Object.fromEntries(
    lines.slice(start + 1, end).map((l) => {
      const i = l.indexOf("=");
      return [l.slice(0, i), l.slice(i + 1)];
    }),
  );
}
