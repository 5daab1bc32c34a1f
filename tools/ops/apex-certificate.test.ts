/**
 * The apex certificate check: the verdict table, the stack files it reads, and real TLS servers on
 * 127.0.0.1 presenting certificates made here (the twin's openssl CA) that it reads back per address.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import { issue, makeCa } from "../twin/pki";
import { readStackFile } from "../plan/stack-file";
import { apexCheckConfig, expiryVerdict, observe, type Observation } from "./apex-certificate";
import { scratchDir } from "../../testing/scratch";

const HOST = "renfort.gouv.fr";
const NOW = new Date("2026-06-01T00:00:00Z");
const at = (days: number) => new Date(NOW.getTime() + days * 86_400_000);
const seen = (address: string, days: number, names = [HOST]): Observation => ({ address, notAfter: at(days), names, trusted: true });
const T = { renewBelowDays: 30, warnBelowDays: 21 };

describe("expiryVerdict", () => {
  it.each([
    ["both fresh", [seen("a", 80), seen("b", 80)], false, false],
    ["one in the renewal window", [seen("a", 80), seen("b", 29)], true, false],
    ["one past the warning threshold: the renewal did not happen", [seen("a", 20), seen("b", 80)], true, true],
    ["one presenting another name", [seen("a", 80), seen("b", 80, ["www.renfort-benevoles.fr"])], false, true],
    ["a wildcard of the right depth covers it", [seen("a", 80, ["*.gouv.fr"])], false, false],
    ["one unreadable", [seen("a", 80), { address: "b", error: "ECONNREFUSED" }], true, true],
    ["no address at all", [], false, true],
  ] as const)("%s", (_label, observations, renew, warn) => {
    const v = expiryVerdict(HOST, observations, NOW, T);
    expect([v.renew, v.warn]).toEqual([renew, warn]);
    expect(v.lines.length).toBe(Math.max(1, observations.length));
  });

  it("names the address and the problem", () => {
    const v = expiryVerdict(HOST, [seen("51.159.1.2", 10.5)], NOW, T);
    expect(v.lines).toEqual([`51.159.1.2: 10.5 days left (until ${at(10.5).toISOString()}), due for renewal; PROBLEM: fewer than 21 days left: the renewal (below 30 days) has not happened`]);
  });

  it("refuses a warning threshold at or above the renewal threshold", () => {
    expect(() => expiryVerdict(HOST, [], NOW, { renewBelowDays: 20, warnBelowDays: 20 })).toThrow("must be lower than the renewal threshold");
  });
});

describe("apexCheckConfig: the committed stack files", () => {
  it("prod declares the apex certificate (apex zone managed here): its thresholds", () => {
    expect(apexCheckConfig(readStackFile(join(__dirname, "..", "..", "Pulumi.prod.yaml")).config, "prod")).toEqual({ host: HOST, thresholds: { renewBelowDays: 30, warnBelowDays: 21 } });
  });
  it("staging does not yet (the challenge is not delegated): nothing to check", () => {
    expect(apexCheckConfig(readStackFile(join(__dirname, "..", "..", "Pulumi.staging.yaml")).config, "staging")).toBeUndefined();
  });
});

describe("observe: a real TLS server per load balancer", () => {
  let dir: string;
  const servers: tls.Server[] = [];
  let ca: string;
  const listen = (cert: { cert: string; key: string }) =>
    new Promise<number>((resolve) => {
      const s = tls.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (socket) => socket.end());
      servers.push(s);
      s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port));
    });

  beforeAll(() => {
    dir = scratchDir("renfort-apex-cert-");
    const authority = makeCa(dir, "test CA");
    ca = readFileSync(authority.cert, "utf8");
    // openssl -days 30 (pki.ts): about 30 days left.
    issue(dir, authority, "apex", [HOST]);
    issue(dir, authority, "other", ["www.renfort-benevoles.fr"]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads each address's leaf (expiry, names, trust) and the verdict flags the one presenting another name", async () => {
    const good = await listen({ cert: join(dir, "apex.pem"), key: join(dir, "apex.key") });
    const wrong = await listen({ cert: join(dir, "other.pem"), key: join(dir, "other.key") });
    const [a, b] = await Promise.all([observe("127.0.0.1", HOST, { port: good, ca }), observe("127.0.0.1", HOST, { port: wrong })]);
    expect(a).toMatchObject({ names: [HOST], trusted: true });
    expect(b).toMatchObject({ names: ["www.renfort-benevoles.fr"], trusted: false });
    const daysLeft = (a.notAfter!.getTime() - Date.now()) / 86_400_000;
    expect(daysLeft).toBeGreaterThan(28);
    expect(daysLeft).toBeLessThanOrEqual(30);
    const v = expiryVerdict(HOST, [a, { ...b, address: "127.0.0.2" }], new Date(), { renewBelowDays: 31, warnBelowDays: 7 });
    expect([v.renew, v.warn]).toEqual([true, true]);
    expect(v.lines[1]).toContain("PROBLEM: it is for www.renfort-benevoles.fr, not renfort.gouv.fr");
  });

  it("reports an address that refuses the connection, without hanging", async () => {
    const closed = await listen({ cert: join(dir, "apex.pem"), key: join(dir, "apex.key") });
    await new Promise((r) => servers.pop()!.close(r));
    const o = await observe("127.0.0.1", HOST, { port: closed, timeoutMs: 5000 });
    expect(o).toEqual({ address: "127.0.0.1", error: "ECONNREFUSED" });
  });
});
