/**
 * A real HAProxy (Debian's /usr/sbin/haproxy) serving the apex redirect on a loopback address, as the
 * apex scenario's target in tests; and a broken redirect on node:http that drops the query string.
 */
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { baselineHaproxyConfig, freePort } from "../apex";
import { scratchDir } from "../../../testing/scratch";

export const HAPROXY = "/usr/sbin/haproxy";
export const WRK = "/usr/bin/wrk";

export interface Running {
  url: string;
  close(): Promise<void>;
}

export async function startHaproxyRedirect(address: string, mainHost: string): Promise<Running> {
  const dir = scratchDir("renfort-apex-target-");
  const port = await freePort(address);
  writeFileSync(join(dir, "haproxy.cfg"), baselineHaproxyConfig({ address, port, mainHost, pem: null }));
  const child = spawn(HAPROXY, ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: "ignore" });
  const url = `http://${address}:${port}`;
  for (let i = 0; i < 50; i++) {
    const up = await fetch(`${url}/`, { redirect: "manual" }).then(
      () => true,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    close: async () => {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Redirects to the main host but drops the query string: every Location is wrong. */
export async function startQueryDroppingRedirect(address: string, mainHost: string): Promise<Running> {
  const server = createServer((req, res) => {
    res.writeHead(301, { location: `https://${mainHost}${(req.url ?? "/").split("?")[0]}` }).end();
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
