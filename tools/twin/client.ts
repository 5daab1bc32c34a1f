/**
 * A small HTTP(S) client for talking to the twin as a visitor would: to an address standing for a public
 * IP, with the real host name (Host header and TLS SNI), verifying the twin's CA, optionally from a chosen
 * local address (a Cloudflare stand-in source). node:http/https, since fetch cannot pick the source address.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

export interface TwinRequest {
  address: string;
  port: number;
  host: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM of the CA to verify against; absent for plain HTTP. */
  ca?: string;
  localAddress?: string;
  timeoutMs?: number;
}

export interface TwinResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function twinRequest(r: TwinRequest): Promise<TwinResponse> {
  const tls = r.ca !== undefined;
  const send = tls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: r.address,
        port: r.port,
        path: r.path,
        method: r.method ?? "GET",
        headers: { host: r.host, ...(r.body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(r.body)) } : {}), ...r.headers },
        localAddress: r.localAddress,
        agent: false,
        timeout: r.timeoutMs ?? 10_000,
        ...(tls ? { ca: r.ca, servername: r.host } : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${r.method ?? "GET"} ${r.host}${r.path} via ${r.address}:${r.port} timed out`)));
    req.on("error", reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}
