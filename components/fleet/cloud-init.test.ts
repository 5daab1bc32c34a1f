import { parse } from "yaml";
import { FLEET_SSLMODE, postgresUrl } from "../database/connection";
import { backstopPerMinute, DATABASE_CA_PATH, PLAIN_ENV_BEGIN, PLAIN_ENV_END, PLAIN_ENV_PATH, plainAppEnv, readPlainEnv, renderCloudInit, SECRET_ENV_PATH, type CloudInitInput } from "./cloud-init";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const CA = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZ2Vu\nZXJhdGVkLWZvci10aGUtdGVzdA==\n-----END CERTIFICATE-----\n";
// The app's DATABASE_URL exactly as the Database component renders it (verify-ca against DATABASE_CA_PATH).
const DATABASE_URL = postgresUrl({ user: "app", password: "p@ss:w#rd", endpoint: { host: "10.0.0.5", port: 5432 }, database: "renfort", sslmode: FLEET_SSLMODE, sslrootcert: DATABASE_CA_PATH });
const input: CloudInitInput = {
  image: `rg.fr-par.scw.cloud/renfort-prod/renfort-app@${DIGEST}`,
  appPort: 8080,
  plainEnv: { PORT: "8080", MAIL_FROM: "benevoles@mail.example.fr", TRUSTED_PROXIES: "173.245.48.0/20,2400:cb00::/32,172.16.0.0/22", DEGRADED_MODE: "off" },
  secretEnv: { DATABASE_URL, ADMIN_TOKEN: "t".repeat(40) },
  registryPassword: "scw-secret-key-value",
  databaseCaCertificate: CA,
};

interface WriteFile {
  path: string;
  permissions: string;
  content: string;
}

function files(text: string): Record<string, WriteFile> {
  const doc = parse(text) as { write_files: WriteFile[] };
  return Object.fromEntries(doc.write_files.map((f) => [f.path, f]));
}

describe("renderCloudInit", () => {
  const text = renderCloudInit(input);

  it("is a cloud-config YAML document", () => {
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const doc = parse(text) as Record<string, unknown>;
    expect(doc.packages).toEqual(["docker.io"]);
    expect(doc.runcmd).toContainEqual(["systemctl", "enable", "--now", "renfort-app.service"]);
  });

  it("writes the plain env between the markers, readable back", () => {
    const plain = files(text)[PLAIN_ENV_PATH];
    expect(plain.permissions).toBe("0644");
    expect(plain.content.split("\n")[0]).toBe(PLAIN_ENV_BEGIN);
    expect(plain.content).toContain(PLAIN_ENV_END);
    expect(readPlainEnv(text)).toEqual(input.plainEnv);
  });

  it("keeps secrets out of the plain block, in a root-only file, verbatim", () => {
    const plainBlock = files(text)[PLAIN_ENV_PATH].content;
    const secret = files(text)[SECRET_ENV_PATH];
    expect(secret.permissions).toBe("0600");
    expect(secret.content).toBe(`DATABASE_URL=${input.secretEnv.DATABASE_URL}\nADMIN_TOKEN=${input.secretEnv.ADMIN_TOKEN}\n`);
    expect(plainBlock).not.toContain("postgres://");
    expect(files(text)["/etc/renfort/registry-password"].permissions).toBe("0600");
  });

  it("runs exactly the pinned image, from the registry it logs in to", () => {
    const unit = files(text)["/etc/systemd/system/renfort-app.service"].content;
    expect(unit).toContain(`docker pull ${input.image}\n`);
    expect(unit).toMatch(new RegExp(`ExecStart=/usr/bin/docker run .*--publish 8080:8080 ${input.image.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\n`));
    expect(unit).toContain("docker login rg.fr-par.scw.cloud --username nologin --password-stdin");
    expect(unit).toContain(`--env-file ${PLAIN_ENV_PATH} --env-file ${SECRET_ENV_PATH}`);
  });

  it("writes the database CA where DATABASE_URL's sslrootcert points, readable by the container's user, and mounts it read-only at that path", () => {
    const sslrootcert = new URL(input.secretEnv.DATABASE_URL).searchParams.get("sslrootcert");
    expect(sslrootcert).toBe(DATABASE_CA_PATH);
    const ca = files(text)[DATABASE_CA_PATH];
    expect(ca).toBeDefined();
    // the app runs as uid 1000 in its container: the file must be world-readable (it is not secret)
    expect(ca.permissions).toBe("0644");
    expect(ca.content).toBe(CA);
    const run = files(text)["/etc/systemd/system/renfort-app.service"].content.split("\n").find((l) => l.startsWith("ExecStart="))!;
    expect(run).toContain(` --volume ${DATABASE_CA_PATH}:${DATABASE_CA_PATH}:ro `);
  });

  it("writes a CA bundle of several certificates verbatim, and strips CRLF and surrounding blank lines", () => {
    const bundle = `${CA}${CA}`;
    expect(files(renderCloudInit({ ...input, databaseCaCertificate: bundle }))[DATABASE_CA_PATH].content).toBe(bundle);
    expect(files(renderCloudInit({ ...input, databaseCaCertificate: `\n${CA.replace(/\n/g, "\r\n")}\n\n` }))[DATABASE_CA_PATH].content).toBe(CA);
  });

  it("no longer points the app at an env file to re-read, nor mounts one: degraded mode is a database row", () => {
    expect(text).not.toContain("RUNTIME_ENV_FILE");
    expect(text).not.toContain(`--volume ${PLAIN_ENV_PATH}`);
  });

  it.each([
    ["no database CA", { databaseCaCertificate: "" }, "the database CA certificate"],
    ["a database CA that is not PEM", { databaseCaCertificate: "MIIBszCCAVmgAwIBAgIU" }, "must be PEM"],
    ["a private key instead of the CA", { databaseCaCertificate: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n" }, "must be PEM"],
    ["a CA followed by a stray line", { databaseCaCertificate: `${CA}garbage\n` }, "must be PEM"],
    ["a tag instead of a digest", { image: "rg.fr-par.scw.cloud/renfort-prod/renfort-app:latest" }, "pinned by digest"],
    ["another registry", { image: `docker.io/library/renfort-app@${DIGEST}` }, "pinned by digest"],
    ["a short digest", { image: "rg.fr-par.scw.cloud/renfort-prod/renfort-app@sha256:abc" }, "pinned by digest"],
    ["a bad port", { appPort: 0 }, "`appPort` must be an integer port"],
    ["a key both plain and secret", { plainEnv: { ADMIN_TOKEN: "x" } }, "fleet env keys ADMIN_TOKEN must be either plain or secret"],
    ["a lower-case key", { plainEnv: { port: "1" } }, 'fleet plain env key "port"'],
    ["a multi-line plain value", { plainEnv: { MAIL_FROM: "a\nb" } }, "fleet plain env MAIL_FROM must be a single-line string"],
    ["no registry key", { registryPassword: "" }, "returned no usable secret key"],
  ])("rejects %s", (_label, change, message) => {
    expect(() => renderCloudInit({ ...input, ...change })).toThrow(message);
  });

  it("never echoes a bad secret value in its error", () => {
    const run = () => renderCloudInit({ ...input, secretEnv: { DATABASE_URL: "postgres://u:hunter2\n@h/db" } });
    expect(run).toThrow("fleet secret env DATABASE_URL must be a single-line string");
    expect(run).not.toThrow(/hunter2/);
  });
});

describe("plainAppEnv", () => {
  const base = { appPort: 8080, mailFrom: "benevoles@mail.example.fr", publicUrl: "https://www.example.fr", trustedProxies: ["173.245.48.0/20", "2400:cb00::/32", "172.16.0.0/22"], degradedMode: false, poolSize: 20, logLevel: "info",
    rateLimits: { signupPerMinute: 240, writesPerMinute: 600 }, adminAllowedCidrs: ["198.51.100.20/32", "2001:db8:1::/48"] };

  it("maps the config onto the app's variables", () => {
    expect(plainAppEnv(base)).toEqual({
      PORT: "8080",
      HOST: "0.0.0.0",
      MAIL_FROM: "benevoles@mail.example.fr",
      PUBLIC_URL: "https://www.example.fr",
      TRUSTED_PROXIES: "173.245.48.0/20,2400:cb00::/32,172.16.0.0/22",
      DEGRADED_MODE: "off",
      PG_POOL_SIZE: "20",
      PG_POOL_MIN: "20",
      LOG_LEVEL: "info",
      RATE_LIMIT_SIGNUP_PER_MINUTE: "240",
      RATE_LIMIT_WRITE_PER_MINUTE: "600",
      ADMIN_ALLOWED_CIDRS: "198.51.100.20/32,2001:db8:1::/48",
      OUTBOX_WORKER: "on",
    });
  });

  it.each([
    [true, "on"],
    [false, "off"],
  ])("writes degradedMode %p as %p", (degradedMode, value) => {
    expect(plainAppEnv({ ...base, degradedMode }).DEGRADED_MODE).toBe(value);
  });

  it("refuses an empty trusted-proxy list (every visitor would share the proxy's rate limit)", () => {
    expect(() => plainAppEnv({ ...base, trustedProxies: [] })).toThrow("fleet TRUSTED_PROXIES must list");
  });

  it("refuses an empty admin allow-list (the admin API would answer no one, or be opened wide to fix it)", () => {
    expect(() => plainAppEnv({ ...base, adminAllowedCidrs: [] })).toThrow("fleet ADMIN_ALLOWED_CIDRS must list");
  });

  it.each(["http://www.example.fr", "https://www.example.fr/", "https://www.example.fr/app", ""])("refuses PUBLIC_URL %p, naming it", (publicUrl) => {
    expect(() => plainAppEnv({ ...base, publicUrl })).toThrow(/^fleet PUBLIC_URL must be the site's https origin with no path/);
  });
});

describe("backstopPerMinute: the most one client gets through the edge in any minute", () => {
  it.each([
    [{ requestsPerPeriod: 120, periodSeconds: 60 }, 240],
    [{ requestsPerPeriod: 60, periodSeconds: 60 }, 120],
    [{ requestsPerPeriod: 10, periodSeconds: 10 }, 70],
    [{ requestsPerPeriod: 100, periodSeconds: 120 }, 200],
    [{ requestsPerPeriod: 1000, periodSeconds: 3600 }, 2000],
  ])("%j -> %d", (limit, perMinute) => {
    expect(backstopPerMinute(limit)).toBe(perMinute);
  });
  it("refuses a non-positive threshold", () => {
    expect(() => backstopPerMinute({ requestsPerPeriod: 0, periodSeconds: 60 })).toThrow("requestsPerPeriod must be a positive integer");
  });
});
