/**
 * Test scaffolding for the edge stand-in: a throw-away PKI made with the openssl CLI (a CA standing for
 * the twin's, certificates for the edge and the upstreams), the committed staging stack's declared
 * resources (evaluated as the offline plan does, optionally with an edited config), a small HTTPS
 * upstream that records what reaches it, and an HTTP(S) client bound to a chosen loopback address.
 * Test-only: nothing the edge runs imports this module.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { loadStackConfig } from "../../../stacks/load";
import { buildPlatform } from "../../../stacks/platform";
import type { PlanResource } from "../../plan/harness";
import { committedStack, evaluateStack, type StackName } from "../../plan/testing";
import { scratchDir } from "../../../testing/scratch";

export interface Pki {
  ca: string;
  /** Certificate and key for `hosts`. */
  leaf(hosts: string[]): { cert: string; key: string };
  remove(): void;
}

/** A CA and leaf certificates, made with the openssl CLI in a temporary directory (P-256 keys, 2 days). */
export function makePki(): Pki {
  const dir = scratchDir("renfort-edge-pki-");
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
    "-subj", "/CN=renfort twin test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  let n = 0;
  return {
    ca: readFileSync(join(dir, "ca.crt"), "utf8"),
    leaf(hosts) {
      const name = `leaf${n++}`;
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(",")}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${hosts[0]}`);
      openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", `${name}.ext`);
      return { cert: readFileSync(join(dir, `${name}.crt`), "utf8"), key: readFileSync(join(dir, `${name}.key`), "utf8") };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The resources a committed stack's program declares (as `npm run plan -- --stack <s>` records them), with `edit` applied to its `renfort:` config. */
export async function stackResources(stack: StackName, edit?: (raw: Record<string, unknown>) => void): Promise<PlanResource[]> {
  const committed = committedStack(stack, edit);
  const run = await evaluateStack(committed, () => {
    const loaded = loadStackConfig({ posture: "report" });
    return buildPlatform(loaded.config, loaded.secrets);
  });
  return run.resources;
}

/** The staging stack's declared resources (see stackResources). */
export function stagingResources(edit?: (raw: Record<string, unknown>) => void): Promise<PlanResource[]> {
  return stackResources("staging", edit);
}

export interface SeenRequest {
  upstream: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The TCP peer: the edge's source address. */
  remoteAddress: string;
  /** SNI the edge sent. */
  servername: string | false;
}

export interface Upstream {
  name: string;
  address: string;
  port: number;
  seen: SeenRequest[];
  /** TLS connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * An HTTPS origin stand-in: `/page*` public pages (max-age 60), `/nostore` (no-store), `/cookie` (cacheable
 * but with Set-Cookie), `/nocc` (no Cache-Control), `/api/*` (201 for writes, with a cacheable header on
 * purpose: the edge's rules, not the origin, must keep writes out of the cache), `/echo` (no-store),
 * `/reset` (a cacheable response cut short after a few bytes).
 */
export async function startUpstream(name: string, address: string, tls: { cert: string; key: string }): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  const server = https.createServer({ ...tls }, (req, res) => {
    const socket = req.socket as TLSSocket;
    seen.push({
      upstream: name,
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      remoteAddress: (req.socket.remoteAddress ?? "").replace(/^::ffff:/, ""),
      servername: socket.servername ?? false,
    });
    req.resume();
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/reset") {
        // Headers and part of the body, then the connection is cut.
        res.writeHead(200, { "content-type": "text/plain", "content-length": "1000", "cache-control": "public, max-age=60" });
        res.write("partial");
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      const body = `${name} ${req.method} ${req.url}\n`;
      const h: Record<string, string> = { "content-type": "text/plain", "x-upstream": name };
      let status = 200;
      if (path.startsWith("/page") || path === "/") h["cache-control"] = "public, max-age=60";
      else if (path === "/nostore" || path === "/echo") h["cache-control"] = "no-store";
      else if (path === "/cookie") {
        h["cache-control"] = "public, max-age=60";
        h["set-cookie"] = "session=abc; Secure; HttpOnly";
      } else if (path.startsWith("/api/")) {
        h["cache-control"] = "public, max-age=60";
        if (req.method !== "GET" && req.method !== "HEAD") status = 201;
      }
      res.writeHead(status, h);
      res.end(req.method === "HEAD" ? undefined : body);
    });
  });
  let connections = 0;
  server.on("secureConnection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return {
    name,
    address,
    port: (server.address() as AddressInfo).port,
    seen,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ClientRequest {
  scheme: "http" | "https";
  address: string;
  port: number;
  host: string;
  /** SNI; default `host`. */
  servername?: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The visitor's address (loopback). */
  from?: string;
  ca?: string;
  minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  maxVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
}

/** One request on a fresh connection, bounded to 10 s. */
export function request(r: ClientRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const common = {
      host: r.address,
      port: r.port,
      method: r.method ?? "GET",
      path: r.path,
      headers: { host: r.host, ...(r.headers ?? {}) },
      localAddress: r.from,
      agent: false as const,
      timeout: 10_000,
    };
    const req =
      r.scheme === "https"
        ? https.request({
            ...common,
            servername: r.servername ?? r.host,
            ca: r.ca,
            minVersion: r.minVersion,
            maxVersion: r.maxVersion,
            // Lets the client offer TLS 1.0/1.1 at all (OpenSSL 3 refuses them at the default security level), so a refusal is the edge's.
            ciphers: "DEFAULT:@SECLEVEL=0",
          })
        : http.request(common);
    req.on("timeout", () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.end(r.body);
  });
}
