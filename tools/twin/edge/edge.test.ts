/**
 * The edge stand-in against the committed staging stack's declared rules, with two local HTTPS upstreams
 * standing for the origin's two IPs. Loopback 127.0.40.0/24 only: the edge on .1, upstreams on .11/.12,
 * the Cloudflare egress stand-ins on .21/.22, visitors from .31 upwards.
 */
import type { PlanResource } from "../../plan/harness";
import { SECRET_PLACEHOLDER, wireSecret } from "../../plan/values";
import { startEdge, type EdgeOptions, type RunningEdge } from "./index";
import { makePki, request, stagingResources, startUpstream, type ClientRequest, type Pki, type Upstream } from "./test-support";

const HOST = "www.renfort-staging.fr";
const EDGE = "127.0.40.1";
const SOURCES = ["127.0.40.21", "127.0.40.22"];

let pki: Pki;
let staging: PlanResource[];
let edited: PlanResource[];
let legacyTls: PlanResource[];
let upstreams: Upstream[];

beforeAll(async () => {
  pki = makePki();
  // Evaluated one after the other: the plan harness holds one set of mocks at a time.
  staging = await stagingResources();
  edited = await stagingResources((raw) => {
    const edge = raw.edge as Record<string, unknown>;
    edge.geoBans = ["RU"];
    edge.minTlsVersion = "1.3";
    edge.hsts = { maxAgeSeconds: 3600, preload: false };
  });
  legacyTls = await stagingResources((raw) => {
    (raw.edge as Record<string, unknown>).minTlsVersion = "1.1";
  });
  const tls = pki.leaf([HOST]);
  upstreams = [await startUpstream("lb-primary", "127.0.40.11", tls), await startUpstream("lb-secondary", "127.0.40.12", tls)];
  // Several offline plans of the staging stack: over a minute on a loaded 2-core machine.
}, 240_000);

afterAll(async () => {
  await Promise.all((upstreams ?? []).map((u) => u.close()));
  pki?.remove();
});

function optionsFor(resources: PlanResource[], extra: Partial<EdgeOptions> = {}): EdgeOptions {
  // The proxied records' targets, read straight from the resources (readZone would already refuse a zone missing a secret).
  const originIps = resources
    .filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord" && r.inputs.proxied === true)
    .map((r) => String(r.inputs.content));
  return {
    resources,
    listen: { address: EDGE, httpPort: 0, httpsPort: 0 },
    tls: pki.leaf([HOST]),
    upstreams: originIps.map((ip, i) => ({ declaredIp: ip, address: upstreams[i].address, httpsPort: upstreams[i].port })),
    upstreamCa: pki.ca,
    sourceAddresses: SOURCES,
    ...extra,
  };
}

function via(edge: RunningEdge, r: Partial<ClientRequest> & { path: string }) {
  return request({
    scheme: "https",
    address: edge.address,
    port: r.scheme === "http" ? edge.httpPort : edge.httpsPort,
    host: HOST,
    ca: pki.ca,
    from: "127.0.40.31",
    ...r,
  });
}

const seen = () => upstreams.flatMap((u) => u.seen);
const seenFor = (path: string) => seen().filter((s) => s.url === path);

describe("the edge from the committed staging stack", () => {
  let edge: RunningEdge;
  let clock = Date.now();
  beforeAll(async () => {
    edge = await startEdge(optionsFor(staging, { clock: () => clock }));
  });
  afterAll(() => edge?.close());

  test("reads the zone the program declares: hostnames, TLS, HSTS, rules, and says what it does not run", () => {
    expect(edge.zone.hostnames).toEqual([HOST]);
    expect(edge.zone.minTlsVersion).toBe("TLSv1.2");
    expect(edge.zone.rules.map((r) => r.ref)).toEqual([
      "geo_ban_kp",
      "block_scanner_probes",
      "block_internal_paths",
      "challenge_sensitive_paths",
      "rate_limit_signup",
      "rate_limit_api_writes",
      "origin_auth_header",
      "origin_decides_hashed_assets",
      "origin_decides_public_reads",
      "no_cache_writes",
      "no_cache_api_writes",
      "no_cache_sensitive_paths",
    ]);
    expect(edge.zone.notReproduced).toEqual([
      expect.objectContaining({ phase: "http_request_firewall_managed", rules: ["execute_cloudflare_managed", "execute_owasp_core"] }),
    ]);
  });

  test("a geo-banned country gets 403; another country is served", async () => {
    const banned = await via(edge, { path: "/page-geo", headers: { [edge.countryHeader]: "KP" } });
    expect(banned.status).toBe(403);
    expect(banned.headers["cf-mitigated"]).toBeUndefined();
    expect(seenFor("/page-geo")).toHaveLength(0);
    const ok = await via(edge, { path: "/page-geo", headers: { [edge.countryHeader]: "FR" } });
    expect(ok.status).toBe(200);
  });

  test("a sensitive path gets the managed challenge: 403 with cf-mitigated: challenge", async () => {
    const r = await via(edge, { path: "/Admin/users" });
    expect(r.status).toBe(403);
    expect(r.headers["cf-mitigated"]).toBe("challenge");
    expect(seenFor("/Admin/users")).toHaveLength(0);
  });

  test("a scanner probe is blocked, even written with dot segments", async () => {
    const r = await via(edge, { path: "/static/../.env" });
    expect(r.status).toBe(403);
    expect(seen().filter((s) => s.url.includes(".env"))).toHaveLength(0);
  });

  test("the signup rate limit trips at the declared threshold, per client IP, and lifts after the declared timeout", async () => {
    const rule = edge.zone.rules.find((r) => r.ref === "rate_limit_signup")!.ratelimit!;
    expect(rule).toMatchObject({ requestsPerPeriod: 60, period: 60, mitigationTimeout: 600 });
    const signup = (from: string) => via(edge, { path: "/api/volunteers", method: "POST", from, body: "{}", headers: { "content-type": "application/json" } });
    const statuses: number[] = [];
    for (let i = 0; i < rule.requestsPerPeriod; i++) {
      clock += 100;
      statuses.push((await signup("127.0.40.32")).status);
    }
    expect(new Set(statuses)).toEqual(new Set([201]));
    const over = await signup("127.0.40.32");
    expect(over.status).toBe(429);
    expect(over.headers["content-type"]).toBe("application/json");
    expect(over.body).toBe('{"error":"rate_limited"}');
    // Another visitor is not affected.
    expect((await signup("127.0.40.33")).status).toBe(201);
    // Still mitigated just before the timeout, served again after it.
    clock += rule.mitigationTimeout * 1000 - 1000;
    expect((await signup("127.0.40.32")).status).toBe(429);
    clock += 1000;
    expect((await signup("127.0.40.32")).status).toBe(201);
  });

  test("the rate limit counts within the declared period: the same number spread over more than a period passes", async () => {
    const signup = () => via(edge, { path: "/api/volunteers", method: "POST", from: "127.0.40.34", body: "{}" });
    const statuses: number[] = [];
    for (let i = 0; i < 90; i++) {
      clock += 1000; // 90 requests over 90 s: at most 60 in any 60 s window
      statuses.push((await signup()).status);
    }
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
  });

  test("a page GET is MISS then HIT, served once by the origin", async () => {
    const first = await via(edge, { path: "/page-cache?x=1" });
    const second = await via(edge, { path: "/page-cache?x=1" });
    expect([first.headers["cf-cache-status"], second.headers["cf-cache-status"]]).toEqual(["MISS", "HIT"]);
    expect(second.body).toBe(first.body);
    expect(second.headers["cache-control"]).toBe("public, max-age=60");
    expect(seenFor("/page-cache?x=1")).toHaveLength(1);
  });

  test("a cached page expires with the origin's max-age (EXPIRED, then HIT again)", async () => {
    await via(edge, { path: "/page-expiry" });
    clock += 61_000;
    const again = await via(edge, { path: "/page-expiry" });
    expect(again.headers["cf-cache-status"]).toBe("EXPIRED");
    expect((await via(edge, { path: "/page-expiry" })).headers["cf-cache-status"]).toBe("HIT");
    expect(seenFor("/page-expiry")).toHaveLength(2);
  });

  test("an API POST is never cached, even when the origin says it may be", async () => {
    const a = await via(edge, { path: "/api/organizations", method: "POST", from: "127.0.40.35", body: "{}" });
    const b = await via(edge, { path: "/api/organizations", method: "POST", from: "127.0.40.35", body: "{}" });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.headers["cf-cache-status"], b.headers["cf-cache-status"]]).toEqual(["DYNAMIC", "DYNAMIC"]);
    expect(seenFor("/api/organizations")).toHaveLength(2);
  });

  test("a response with Set-Cookie, or with no-store, is not cached (BYPASS)", async () => {
    for (const path of ["/cookie", "/nostore"]) {
      const a = await via(edge, { path });
      const b = await via(edge, { path });
      expect([a.headers["cf-cache-status"], b.headers["cf-cache-status"]]).toEqual(["BYPASS", "BYPASS"]);
      expect(seenFor(path)).toHaveLength(2);
    }
  });

  test("a page without Cache-Control is not stored (edge TTL bypass_by_default); a cookie-bearing GET is not eligible", async () => {
    expect((await via(edge, { path: "/nocc" })).headers["cf-cache-status"]).toBe("BYPASS");
    const withCookie = await via(edge, { path: "/page-cookie-visitor", headers: { cookie: "session=1" } });
    expect(withCookie.headers["cf-cache-status"]).toBe("DYNAMIC");
  });

  test("HTTP answers 301 to the same URL over HTTPS", async () => {
    const r = await via(edge, { scheme: "http", path: "/missions?page=2" });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`https://${HOST}:${edge.httpsPort}/missions?page=2`);
    expect(r.headers["strict-transport-security"]).toBeUndefined();
  });

  test("TLS below the zone minimum (1.2) is refused; 1.2 and 1.3 are served", async () => {
    await expect(via(edge, { path: "/page-tls", minVersion: "TLSv1.1", maxVersion: "TLSv1.1" })).rejects.toThrow();
    expect((await via(edge, { path: "/page-tls", minVersion: "TLSv1.2", maxVersion: "TLSv1.2" })).status).toBe(200);
    expect((await via(edge, { path: "/page-tls", minVersion: "TLSv1.3", maxVersion: "TLSv1.3" })).status).toBe(200);
  });

  test("HSTS as the zone's security_header declares it, with nosniff", async () => {
    const r = await via(edge, { path: "/page-hsts" });
    expect(r.headers["strict-transport-security"]).toBe("max-age=86400; includeSubDomains");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
  });

  test("the origin gets CF-Connecting-IP and the forwarding headers, over HTTPS with SNI = the main host, from the Cloudflare stand-in range", async () => {
    const r = await via(edge, {
      path: "/echo",
      from: "127.0.40.36",
      headers: { "cf-connecting-ip": "203.0.113.9", "x-forwarded-for": "198.51.100.7", [edge.countryHeader]: "BE" },
    });
    expect(r.status).toBe(200);
    const s = seenFor("/echo").at(-1)!;
    expect(s.headers["cf-connecting-ip"]).toBe("127.0.40.36");
    expect(s.headers["x-forwarded-for"]).toBe("198.51.100.7, 127.0.40.36");
    expect(s.headers["x-forwarded-proto"]).toBe("https");
    expect(s.headers["cf-ipcountry"]).toBe("BE");
    expect(s.headers["cf-ray"]).toBe(r.headers["cf-ray"]);
    expect(s.headers[edge.countryHeader]).toBeUndefined();
    expect(s.headers.host).toBe(HOST);
    expect(s.servername).toBe(HOST);
    expect(SOURCES).toContain(s.remoteAddress);
  });

  test("requests spread over both upstreams (the two proxied records) and both source addresses", async () => {
    for (let i = 0; i < 6; i++) await via(edge, { path: `/echo?spread=${i}` });
    const spread = seen().filter((s) => s.url.startsWith("/echo?spread="));
    expect(new Set(spread.map((s) => s.upstream))).toEqual(new Set(["lb-primary", "lb-secondary"]));
    expect(new Set(spread.map((s) => s.remoteAddress))).toEqual(new Set(SOURCES));
  });

  test("an origin that cuts a response short breaks the visitor's response, is not cached, and the edge keeps serving", async () => {
    await expect(via(edge, { path: "/reset" })).rejects.toThrow();
    await expect(via(edge, { path: "/reset" })).rejects.toThrow();
    expect(seenFor("/reset")).toHaveLength(2);
    expect((await via(edge, { path: "/page-after-reset" })).status).toBe(200);
  });

  test("a host that is not a proxied hostname of the zone is refused", async () => {
    const r = await via(edge, { path: "/", host: "staging.renfort.gouv.fr", servername: HOST });
    expect(r.status).toBe(421);
  });
});

describe("a change to a declared rule changes the edge", () => {
  let edge: RunningEdge;
  beforeAll(async () => {
    edge = await startEdge(optionsFor(edited));
  });
  afterAll(() => edge?.close());

  test("geo bans follow the config: RU is now banned, KP no longer", async () => {
    expect((await via(edge, { path: "/page-geo2", headers: { [edge.countryHeader]: "RU" } })).status).toBe(403);
    expect((await via(edge, { path: "/page-geo2", headers: { [edge.countryHeader]: "KP" } })).status).toBe(200);
  });

  test("the minimum TLS version follows the config: 1.2 is refused at 1.3", async () => {
    await expect(via(edge, { path: "/page-tls2", minVersion: "TLSv1.2", maxVersion: "TLSv1.2" })).rejects.toThrow();
    expect((await via(edge, { path: "/page-tls2", minVersion: "TLSv1.3" })).status).toBe(200);
  });

  test("at a declared minimum of 1.1, a TLS 1.1 visitor is served: the refusal at 1.2 is the edge's, not the client's", async () => {
    const legacy = await startEdge(optionsFor(legacyTls));
    try {
      expect((await via(legacy, { path: "/page-tls11", minVersion: "TLSv1.1", maxVersion: "TLSv1.1" })).status).toBe(200);
    } finally {
      await legacy.close();
    }
  });

  test("the HSTS max-age follows the config", async () => {
    expect((await via(edge, { path: "/page-hsts2" })).headers["strict-transport-security"]).toBe("max-age=3600; includeSubDomains");
  });
});

describe("origin errors", () => {
  test("with both origins refusing connections, the visitor gets Cloudflare's 521 after both were tried", async () => {
    const closed = await startUpstream("closed", "127.0.40.13", pki.leaf([HOST]));
    await closed.close();
    const opts = optionsFor(staging);
    const logs: string[] = [];
    const edge = await startEdge({ ...opts, upstreams: opts.upstreams.map((u) => ({ ...u, address: closed.address, httpsPort: closed.port })), log: (l) => logs.push(l) });
    try {
      const r = await via(edge, { path: "/page-down" });
      expect(r.status).toBe(521);
      expect(logs.filter((l) => l.includes("trying the next origin"))).toHaveLength(1);
    } finally {
      await edge.close();
    }
  });

  test("an origin whose certificate the twin's CA did not sign gets 526 (SSL Full strict)", async () => {
    const other = makePki();
    const rogue = await startUpstream("rogue", "127.0.40.14", other.leaf([HOST]));
    const opts = optionsFor(staging);
    const edge = await startEdge({ ...opts, upstreams: opts.upstreams.map((u) => ({ ...u, address: rogue.address, httpsPort: rogue.port })) });
    try {
      expect((await via(edge, { path: "/page-rogue" })).status).toBe(526);
      expect(rogue.seen).toHaveLength(0);
    } finally {
      await edge.close();
      await rogue.close();
      other.remove();
    }
  });
});

describe("the origin lock: a request-header transform with a secret value", () => {
  let edge: RunningEdge;
  const originLock: PlanResource = {
    urn: "urn:pulumi:staging::renfort::renfort:edge:Edge$cloudflare:index/ruleset:Ruleset::renfort-edge-origin-lock",
    type: "cloudflare:index/ruleset:Ruleset",
    name: "renfort-edge-origin-lock",
    custom: true,
    protect: false,
    dependsOn: [],
    inputs: {
      kind: "zone",
      name: "Renfort origin lock",
      phase: "http_request_late_transform",
      zoneId: "2e63fa3fc071ac9a02deed9fdb20253a",
      // As the plan records a rule holding a secret: the whole list marked secret, the value unreadable without the passphrase.
      rules: wireSecret([
        {
          ref: "origin_lock",
          expression: "true",
          action: "rewrite",
          enabled: true,
          actionParameters: { headers: { "X-Renfort-Origin-Auth": { operation: "set", value: SECRET_PLACEHOLDER } } },
        },
      ]),
    },
  };

  // The program declares its own late-transform entry point (components/edge/origin-auth.ts); this one stands in
  // for it as a plan read back from JSON shows it (value "[secret]").
  const withRecordedLock = () => [...staging.filter((r) => !(r.type === "cloudflare:index/ruleset:Ruleset" && r.inputs.phase === "http_request_late_transform")), originLock];

  test("without the secret's value the edge refuses to start, naming the header and the option", async () => {
    await expect(startEdge(optionsFor(withRecordedLock()))).rejects.toThrow(/options\.secrets\["x-renfort-origin-auth"\]/);
  });

  test("with it, every forwarded request carries the value, and a visitor cannot supply their own", async () => {
    edge = await startEdge(optionsFor(withRecordedLock(), { secrets: { "x-renfort-origin-auth": "s3cret-twin-value" } }));
    try {
      await via(edge, { path: "/echo?lock", headers: { "x-renfort-origin-auth": "forged" } });
      expect(seenFor("/echo?lock").at(-1)!.headers["x-renfort-origin-auth"]).toBe("s3cret-twin-value");
    } finally {
      await edge.close();
    }
  });
});
