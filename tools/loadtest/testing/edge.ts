/**
 * A stand-in for the edge in front of the home page, for the home scenario's tests: the page references
 * two hashed assets, and an in-memory cache answers `cf-cache-status: MISS` the first time a path is asked
 * and `HIT` afterwards (or `DYNAMIC` always when caching is off). It records the Host header, the TLS
 * server name and the client address of every request.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";

export interface EdgeOptions {
  address: string;
  /** HTTPS with this key and certificate; HTTP without. */
  tls?: { key: Buffer; cert: Buffer };
  cache?: boolean;
}

export interface Edge {
  url: string;
  seen: Array<{ path: string; host: string | undefined; servername: string | null; remoteAddress: string | undefined; status: string }>;
  close(): Promise<void>;
}

export const HOME_HTML = '<!doctype html><link rel="stylesheet" href="/assets/app.1a2b3c4d5e.css"><p>Renfort</p><script src="/assets/app.9f8e7d6c5b.js" defer></script>';

export async function startEdge(o: EdgeOptions): Promise<Edge> {
  const cached = new Set<string>();
  const seen: Edge["seen"] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? "/";
    const known = path === "/" || path === "/missions" || path.startsWith("/assets/app.");
    const status = o.cache === false ? "DYNAMIC" : cached.has(path) ? "HIT" : "MISS";
    if (known) cached.add(path);
    const socket = req.socket as Socket & Partial<Pick<TLSSocket, "servername">>;
    seen.push({ path, host: req.headers.host, servername: typeof socket.servername === "string" ? socket.servername : null, remoteAddress: req.socket.remoteAddress, status });
    if (!known) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": path === "/" || path === "/missions" ? "text/html" : "text/css", "cf-cache-status": status, "cache-control": "public, max-age=60" });
    res.end(path === "/" ? HOME_HTML : "body{}");
  };
  const server = o.tls === undefined ? createHttpServer(handler) : createHttpsServer({ key: o.tls.key, cert: o.tls.cert }, handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, o.address, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${o.tls === undefined ? "http" : "https"}://${o.address}:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
