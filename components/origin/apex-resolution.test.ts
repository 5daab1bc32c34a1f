/**
 * The apex resolution check: its verdict as a table, and its resolver queries against local DNS servers
 * on 127.0.0.1 that answer A queries as the apex's public resolvers would at different moments.
 */
import { execFile } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { evaluateProgram } from "../../tools/plan/harness";
import type { AddressInfo } from "node:net";
import { ApexResolves, apexVerdict, askResolvers, waitForApex } from "./apex-resolution";

const LB = ["51.159.10.1", "51.159.20.2"];

describe("apexVerdict", () => {
  it.each<[string, { resolver: string; addresses?: string[]; error?: string }[], boolean, string[]]>([
    ["every resolver answers both load balancers", [{ resolver: "a", addresses: [...LB] }, { resolver: "b", addresses: [LB[1], LB[0]] }], true, []],
    ["one resolver still has the old address", [{ resolver: "a", addresses: [...LB] }, { resolver: "b", addresses: ["203.0.113.9"] }], false, ["b: renfort.gouv.fr A = [203.0.113.9], expected [51.159.10.1, 51.159.20.2]"]],
    ["only one load balancer yet", [{ resolver: "a", addresses: [LB[0]] }], false, ["a: renfort.gouv.fr A = [51.159.10.1], expected [51.159.10.1, 51.159.20.2]"]],
    ["an extra address Let's Encrypt could pick", [{ resolver: "a", addresses: [...LB, "203.0.113.9"] }], false, ["a: renfort.gouv.fr A = [203.0.113.9, 51.159.10.1, 51.159.20.2], expected [51.159.10.1, 51.159.20.2]"]],
    ["the apex does not exist yet", [{ resolver: "a", error: "ENOTFOUND" }], false, ["a: renfort.gouv.fr does not resolve (ENOTFOUND)"]],
    ["no resolver", [], false, ["no resolver was asked"]],
  ])("%s", (_label, answers, ok, problems) => {
    expect(apexVerdict("renfort.gouv.fr", LB, answers)).toEqual({ ok, problems });
  });
});

/**
 * A DNS server answering A queries for one name from a list that can change. Hand-written: answering an
 * A query is a few lines of RFC 1035 and no DNS library is a dependency of the project.
 */
class FakeResolver {
  socket: Socket = createSocket("udp4");
  addresses: string[] = [];
  queries = 0;
  constructor(readonly name: string) {
    this.socket.on("message", (msg, rinfo) => {
      this.queries++;
      // Question starts at 12: labels, then QTYPE, QCLASS.
      let i = 12;
      const labels: string[] = [];
      while (msg[i] !== 0) {
        labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString("ascii"));
        i += msg[i] + 1;
      }
      const question = msg.subarray(12, i + 5);
      const found = labels.join(".").toLowerCase() === this.name && msg.readUInt16BE(i + 1) === 1;
      const answers = found ? this.addresses : [];
      const header = Buffer.alloc(12);
      msg.copy(header, 0, 0, 2); // id
      header.writeUInt16BE(0x8180 | (found ? 0 : 3), 2); // response, recursion available, NXDOMAIN when not found
      header.writeUInt16BE(1, 4);
      header.writeUInt16BE(answers.length, 6);
      const records = answers.map((ip) => {
        const rr = Buffer.alloc(16);
        rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
        rr.writeUInt16BE(1, 2); // A
        rr.writeUInt16BE(1, 4); // IN
        rr.writeUInt32BE(60, 6); // TTL
        rr.writeUInt16BE(4, 10);
        ip.split(".").forEach((o, k) => rr.writeUInt8(Number(o), 12 + k));
        return rr;
      });
      this.socket.send(Buffer.concat([header, question, ...records]), rinfo.port, rinfo.address);
    });
  }
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.socket.bind(0, "127.0.0.1", resolve));
    return `127.0.0.1:${(this.socket.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

describe("waitForApex against local resolvers", () => {
  let a: FakeResolver;
  let b: FakeResolver;
  let servers: string[];
  beforeEach(async () => {
    a = new FakeResolver("renfort.gouv.fr");
    b = new FakeResolver("renfort.gouv.fr");
    servers = [await a.start(), await b.start()];
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
  });

  it("asks each resolver itself, not the system's cache", async () => {
    a.addresses = [...LB];
    b.addresses = ["203.0.113.9"];
    expect(await askResolvers("renfort.gouv.fr", servers)).toEqual([
      { resolver: servers[0], addresses: LB },
      { resolver: servers[1], addresses: ["203.0.113.9"] },
    ]);
    expect(await askResolvers("other.example.org", servers.slice(0, 1))).toEqual([{ resolver: servers[0], error: "ENOTFOUND" }]);
  });

  it("waits until every resolver answers exactly the load balancers, then returns", async () => {
    a.addresses = [...LB];
    b.addresses = ["203.0.113.9"];
    let t = 0;
    let polls = 0;
    const answers = await waitForApex(
      { apex: "renfort.gouv.fr", expectedIps: LB, resolvers: servers, timeoutSeconds: 600, intervalSeconds: 15 },
      undefined,
      () => t,
      async (ms) => {
        t += ms;
        // The apex's owner updates the second resolver's view after the third poll.
        if (++polls === 3) b.addresses = [LB[1], LB[0]];
      },
    );
    expect(polls).toBe(3);
    expect(answers.map((x) => [...(x.addresses ?? [])].sort())).toEqual([LB, LB]);
  });

  it("fails after the timeout with what each resolver answered and what to do", async () => {
    a.addresses = [LB[0]];
    let t = 0;
    await expect(
      waitForApex({ apex: "renfort.gouv.fr", expectedIps: LB, resolvers: servers, timeoutSeconds: 60, intervalSeconds: 15 }, undefined, () => t, async (ms) => void (t += ms)),
    ).rejects.toThrow(
      new RegExp(
        `renfort.gouv.fr does not resolve to the load balancers after 60s, so Let's Encrypt cannot validate it: ${servers[0]}: renfort.gouv.fr A = \\[51.159.10.1\\], expected \\[51.159.10.1, 51.159.20.2\\]; ${servers[1]}: renfort.gouv.fr does not resolve \\(ENODATA\\)\\. Point .*apexDnsPointedHere`,
      ),
    );
  });
});

describe("the provider code Pulumi stores", () => {
  it("runs in a fresh Node process and waits for the apex", async () => {
    const resolver = new FakeResolver("renfort.gouv.fr");
    const server = await resolver.start();
    resolver.addresses = [...LB];
    try {
      const run = await evaluateProgram({ stack: "prod", program: () => void new ApexResolves("apex", { apex: "renfort.gouv.fr", expectedIps: LB }) });
      const dir = mkdtempSync(join(tmpdir(), "renfort-apex-"));
      writeFileSync(join(dir, "provider.js"), String(run.resources.find((r) => r.name === "apex")?.inputs.__provider));
      const inputs = { apex: "renfort.gouv.fr", expectedIps: LB, resolvers: [server], timeoutSeconds: 5, intervalSeconds: 1 };
      const runner = `require(${JSON.stringify(join(dir, "provider.js"))}).handler().create(${JSON.stringify(inputs)})
  .then((o) => console.log(JSON.stringify(o.outs.answers)), (e) => { console.error(e.message); process.exit(1); });`;
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", runner], { timeout: 20000 });
      expect(JSON.parse(stdout)).toEqual([{ resolver: server, addresses: LB }]);
      expect(resolver.queries).toBeGreaterThan(0);
    } finally {
      await resolver.stop();
    }
  });
});
