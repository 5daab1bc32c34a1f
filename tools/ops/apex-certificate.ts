/**
 * `npm run ops -- apex-certificate --stack <s>`: what certificate each load balancer really presents for
 * the apex, and whether it must be renewed or is about to expire. The apex certificate is renewed only by a
 * `pulumi up` (the ACME provider compares the expiry with `minDaysRemaining` when it diffs), so this check
 * runs daily (.github/workflows/apex-certificate.yml): it decides whether the renewal job runs, and fails,
 * naming each load balancer, when a certificate has fewer than `expiryWarningDays` left (a renewal that did
 * not happen), is for another name, or cannot be read.
 *
 * It asks DNS for every A record of the apex (what visitors reach) and opens a TLS connection to each
 * address with the apex as SNI, so each load balancer is checked apart; `--connect-to` replaces DNS
 * (the twin, or an address the records do not list yet). The certificate is read whether or not it is
 * trusted (a staging stack's comes from Let's Encrypt's untrusted staging directory); trust is reported.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import * as dns from "node:dns";
import { join } from "node:path";
import * as tls from "node:tls";
import { EXIT, UsageError, parseOptions, renderHelp } from "../cli/conventions";
import { readStackFile } from "../plan/stack-file";

/** What one address presented for the apex. */
export interface Observation {
  address: string;
  /** `valid_to` of the leaf, when one was read. */
  notAfter?: Date;
  /** The names of the leaf (subjectAltName DNS entries). */
  names?: string[];
  /** Whether the chain verified against the trust store (or `--ca`). */
  trusted?: boolean;
  /** The TLS or network error, when nothing was read. */
  error?: string;
}

export interface Thresholds {
  /** Renew when fewer days than this remain (the stack's renfort:origin.apexCertificate.minDaysRemaining). */
  renewBelowDays: number;
  /** Fail when fewer days than this remain (renfort:origin.apexCertificate.expiryWarningDays). */
  warnBelowDays: number;
}

export interface ExpiryVerdict {
  /** Some address is below the renewal threshold (or unreadable): run the renewal. */
  renew: boolean;
  /** Some address is below the warning threshold, presents another name, or could not be read. */
  warn: boolean;
  lines: string[];
}

const DAY_MS = 86_400_000;

function covers(names: readonly string[], host: string): boolean {
  return names.some((n) => n === host || (n.startsWith("*.") && host.endsWith(n.slice(1)) && host.split(".").length === n.split(".").length));
}

/** The verdict over every address: pure, so the thresholds are table-tested. */
export function expiryVerdict(host: string, observations: readonly Observation[], now: Date, t: Thresholds): ExpiryVerdict {
  if (!(t.warnBelowDays < t.renewBelowDays)) throw new UsageError(`the warning threshold (${t.warnBelowDays} days) must be lower than the renewal threshold (${t.renewBelowDays} days)`);
  const lines: string[] = [];
  let renew = false;
  let warn = false;
  if (observations.length === 0) {
    return { renew: false, warn: true, lines: [`${host}: no address to check (the apex has no A record, and no --connect-to was given)`] };
  }
  for (const o of observations) {
    if (o.error !== undefined || o.notAfter === undefined) {
      warn = true;
      renew = true;
      lines.push(`${o.address}: no certificate read for ${host} (${o.error ?? "no peer certificate"})`);
      continue;
    }
    const days = (o.notAfter.getTime() - now.getTime()) / DAY_MS;
    const left = `${days.toFixed(1)} days left (until ${o.notAfter.toISOString()})`;
    const problems: string[] = [];
    if (!covers(o.names ?? [], host)) problems.push(`it is for ${(o.names ?? []).join(", ") || "no DNS name"}, not ${host}`);
    if (days < t.warnBelowDays) problems.push(`fewer than ${t.warnBelowDays} days left: the renewal (below ${t.renewBelowDays} days) has not happened`);
    if (days < t.renewBelowDays) renew = true;
    if (problems.length > 0) warn = true;
    const trust = o.trusted === false ? ", not trusted by this client" : "";
    lines.push(`${o.address}: ${left}${trust}${days < t.renewBelowDays ? ", due for renewal" : ""}${problems.length ? `; PROBLEM: ${problems.join("; ")}` : ""}`);
  }
  return { renew, warn, lines };
}

/** Reads the leaf `address:port` presents for SNI `host`, without requiring trust (reported instead). */
export function observe(address: string, host: string, options: { port?: number; ca?: string; timeoutMs?: number } = {}): Promise<Observation> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: address, port: options.port ?? 443, servername: host, rejectUnauthorized: false, ...(options.ca ? { ca: options.ca } : {}) });
    const done = (o: Observation) => {
      socket.destroy();
      resolve(o);
    };
    socket.setTimeout(options.timeoutMs ?? 10_000, () => done({ address, error: `no TLS handshake within ${options.timeoutMs ?? 10_000} ms` }));
    socket.once("error", (e: NodeJS.ErrnoException) => done({ address, error: e.code ?? e.message }));
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      if (!cert || !cert.valid_to) return done({ address, error: "no peer certificate" });
      const names = (cert.subjectaltname ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.startsWith("DNS:"))
        .map((s) => s.slice(4).toLowerCase());
      done({ address, notAfter: new Date(cert.valid_to), names, trusted: socket.authorized });
    });
  });
}

export const APEX_CERTIFICATE_HELP = renderHelp({
  usage: ["npm run ops -- apex-certificate --stack <staging|prod> [--connect-to <ip>[,<ip>]] [--port 443] [--ca <file>]"],
  summary:
    "Reads the certificate each load balancer presents for the apex (every A record of the apex, or --connect-to), says whether it is due for renewal (renfort:origin.apexCertificate.minDaysRemaining) and fails when one expires within renfort:origin.apexCertificate.expiryWarningDays, names another host or cannot be read.",
  options: [
    ["--stack <name>", "the stack whose Pulumi.<name>.yaml gives the apex and the thresholds"],
    ["--connect-to <ips>", "check these addresses instead of the apex's A records (comma-separated)"],
    ["--port <n>", "TLS port, default 443"],
    ["--ca <file>", "PEM CA to report trust against (default: Node's trust store)"],
  ],
  ok: "every address presents a certificate for the apex with more than the warning threshold left (or the stack declares no apex certificate)",
  verdictFailed: "an address presents a certificate expiring within the warning threshold, for another name, or none",
  usageError: "no --stack, an unknown stack, or a bad option",
  environment: [["GITHUB_OUTPUT", "when set, `renew=true|false` is appended to it (the workflow's renewal job reads it)"]],
});

const PROJECT_DIR = join(__dirname, "..", "..");

/** The apex and the thresholds a stack file declares; `undefined` when it declares no apex certificate. */
export function apexCheckConfig(config: Record<string, unknown>, stack: string): { host: string; thresholds: Thresholds } | undefined {
  const domain = (config["renfort:domain"] ?? {}) as { apex?: string; apexDnsManagedHere?: boolean; apexChallengeDelegated?: boolean };
  const origin = (config["renfort:origin"] ?? {}) as { apexCertificate?: { minDaysRemaining?: number; expiryWarningDays?: number } };
  if (typeof domain.apex !== "string") throw new UsageError(`Pulumi.${stack}.yaml has no renfort:domain.apex`);
  // The same rule as the stack (stacks/config apexCertificateWanted): declared once the challenge is delegated.
  if (!(domain.apexDnsManagedHere === true || domain.apexChallengeDelegated === true)) return undefined;
  const a = origin.apexCertificate ?? {};
  return { host: domain.apex, thresholds: { renewBelowDays: a.minDaysRemaining ?? 30, warnBelowDays: a.expiryWarningDays ?? 21 } };
}

export async function apexCertificateMain(argv: string[], env: NodeJS.ProcessEnv, now: () => Date = () => new Date()): Promise<number> {
  const { values } = parseOptions(argv, { stack: { type: "string" }, "connect-to": { type: "string" }, port: { type: "string" }, ca: { type: "string" } });
  if (values.help) {
    process.stdout.write(APEX_CERTIFICATE_HELP + "\n");
    return EXIT.ok;
  }
  if (!values.stack) throw new UsageError("--stack is required");
  const file = join(PROJECT_DIR, `Pulumi.${values.stack}.yaml`);
  if (!existsSync(file)) throw new UsageError(`no stack file Pulumi.${values.stack}.yaml in ${PROJECT_DIR}: --stack must name an existing stack`);
  const port = values.port === undefined ? 443 : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a TCP port, got ${values.port}`);
  const cfg = apexCheckConfig(readStackFile(file).config, values.stack);
  const output = (renew: boolean) => {
    if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `renew=${renew}\n`);
  };
  if (!cfg) {
    process.stdout.write(`${values.stack}: no apex certificate declared yet (renfort:domain.apexChallengeDelegated is false): nothing to check\n`);
    output(false);
    return EXIT.ok;
  }
  const addresses = values["connect-to"]
    ? values["connect-to"].split(",").map((a) => a.trim()).filter(Boolean)
    : await dns.promises.resolve4(cfg.host).catch((e: NodeJS.ErrnoException) => {
        process.stdout.write(`${cfg.host}: A lookup failed (${e.code ?? e.message})\n`);
        return [] as string[];
      });
  const ca = values.ca ? readFileSync(values.ca, "utf8") : undefined;
  const observations = await Promise.all(addresses.map((a) => observe(a, cfg.host, { port, ...(ca ? { ca } : {}) })));
  const v = expiryVerdict(cfg.host, observations, now(), cfg.thresholds);
  process.stdout.write(`${cfg.host} (stack ${values.stack}, renew below ${cfg.thresholds.renewBelowDays} days, warn below ${cfg.thresholds.warnBelowDays}):\n${v.lines.map((l) => `  ${l}`).join("\n")}\n`);
  process.stdout.write(`renew: ${v.renew ? "yes" : "no"}\n`);
  output(v.renew);
  return v.warn ? EXIT.verdictFailed : EXIT.ok;
}
