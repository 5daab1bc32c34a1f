/** The pure parts of the drills: HAProxy's stats in the fleet gate's terms, the load's verdict, campaign arguments. */
import { targetVerdict } from "../../components/fleet/health-gate";
import { campaignArgs } from "./campaign";
import { lossAndDuplicates, percentile } from "./load";
import { asBackendStat, backendDefaults, groupStem, parseSets, parseShowStat, twinReleaseId } from "./release";
import type { Summary } from "./twin";

const STAT = [
  "# pxname,svname,qcur,scur,status,check_status,addr,",
  "fe,FRONTEND,,3,OPEN,,,",
  "be-app,old-0,0,2,UP,L7OK,127.0.70.128:8080,",
  "be-app,new-0,0,0,DOWN,L4CON,127.0.70.132:8080,",
  "be-app,new-1,0,0,UP,INI,127.0.70.133:8080,",
  "be-app,new-2,0,0,DOWN 1/2,L7OK,127.0.70.134:8080,",
  "be-app,new-3,0,0,UP,* L7OK,127.0.70.135:8080,",
  "be-app,BACKEND,0,2,UP,,,",
].join("\n");

describe("HAProxy's view for the fleet's health gate", () => {
  const servers = parseShowStat(STAT);
  test("show stat gives each server of each backend, not frontends or backend totals", () => {
    expect(servers.map((s) => [s.backend, s.server, s.address, s.sessions])).toEqual([
      ["be-app", "old-0", "127.0.70.128", 2],
      ["be-app", "new-0", "127.0.70.132", 0],
      ["be-app", "new-1", "127.0.70.133", 0],
      ["be-app", "new-2", "127.0.70.134", 0],
      ["be-app", "new-3", "127.0.70.135", 0],
    ]);
  });
  test.each([
    ["new-0", "failed"], // check failed
    ["new-1", "unknown"], // UP only because HAProxy assumes it before any check
    ["new-2", "failed"], // rising, not up yet
    ["new-3", "passed"],
  ])("%s counts as %s", (name, status) => {
    expect(asBackendStat(servers.find((s) => s.server === name)!).last_health_check_status).toBe(status);
  });
  test("the fleet's decision counts only the new group's passed servers", () => {
    const stats = servers.map(asBackendStat);
    const newIps = ["127.0.70.132", "127.0.70.133", "127.0.70.134", "127.0.70.135"];
    expect(targetVerdict({ key: "lb", minHealthy: 1 }, newIps, stats)).toMatchObject({ healthy: 1, registered: 4, ok: true });
    expect(targetVerdict({ key: "lb", minHealthy: 2 }, newIps, stats).ok).toBe(false);
    // the old server's health never counts for the new release
    expect(targetVerdict({ key: "lb", minHealthy: 1 }, ["127.0.70.132"], stats).ok).toBe(false);
  });
  test("a missing column is an error naming it", () => {
    expect(() => parseShowStat("# pxname,svname,status\nbe,s,UP")).toThrow(/no addr column/);
  });
});

test("backendDefaults reads each backend's declared check settings", () => {
  const cfg = "frontend f\n    default_backend a\n\nbackend a\n    mode http\n    default-server inter 5000ms fall 3 port 8080\n    server x 1.2.3.4:8080 check\n\nbackend b\n    mode tcp\n";
  expect(backendDefaults(cfg)).toEqual({ a: "inter 5000ms fall 3 port 8080" });
});

test("--set takes KEY=VALUE and names a bad key", () => {
  expect(parseSets(["LOG_LEVEL=warn", "X_Y=a=b"])).toEqual({ LOG_LEVEL: "warn", X_Y: "a=b" });
  expect(() => parseSets(["log-level=warn"])).toThrow(/--set takes KEY=VALUE.*"log-level"/);
  expect(() => parseSets(["=x"])).toThrow(/--set/);
});

test("a release is named from what it runs", () => {
  const b = Buffer.from("bundle");
  expect(twinReleaseId(b, { A: "1", B: "2" })).toBe(twinReleaseId(b, { B: "2", A: "1" }));
  expect(twinReleaseId(b, { A: "1" })).not.toBe(twinReleaseId(b, { A: "2" }));
  expect(twinReleaseId(b, { A: "1" })).not.toBe(twinReleaseId(Buffer.from("bundle2"), { A: "1" }));
  expect(groupStem("renfort-staging-app-primary-a56cf1929a")).toBe("renfort-staging-app-primary");
});

test("an acknowledged signup missing or stored twice is counted", () => {
  const stored = new Map([
    ["a@x", 1],
    ["b@x", 2],
  ]);
  expect(lossAndDuplicates(["A@x", "b@x", "c@x"], stored)).toEqual({ lost: 1, duplicated: 1 });
  expect(lossAndDuplicates(["a@x"], stored)).toEqual({ lost: 0, duplicated: 0 });
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
});

describe("campaign arguments from the twin's summary", () => {
  const s = {
    hosts: { main: "www.example.fr", apex: "example.fr" },
    edge: { address: "127.0.70.1", httpPort: 80, httpsPort: 443, caFile: "/s/ca.pem", countryHeader: "x", cacheStatusHeader: "cf-cache-status", clientIpHeader: "cf-connecting-ip" },
    loadBalancers: [{ name: "p", address: "127.0.70.10", httpPort: 80, httpsPort: 443, declaredIps: [] }],
    instances: [{}, {}],
  } as unknown as Summary;
  test.each([
    ["home", ["--scenario", "home", "--url", "https://127.0.70.1:443", "--ca-file", "/s/ca.pem", "--host-header", "www.example.fr", "--servername", "www.example.fr", "--cache-status-header", "cf-cache-status"]],
    ["signup", ["--scenario", "signup", "--url", "https://127.0.70.1:443", "--ca-file", "/s/ca.pem", "--host-header", "www.example.fr", "--servername", "www.example.fr", "--client-ips", "100000", "--instances", "2"]],
    ["apex", ["--scenario", "apex", "--url", "http://127.0.70.10:80", "--host-header", "example.fr", "--main-host", "www.example.fr"]],
  ] as const)("%s", (scenario, expected) => {
    expect(campaignArgs(s, scenario, undefined, [])).toEqual(expected);
  });
  test("signup without simulated visitors at the edge is refused with the fix", () => {
    const noHeader = { ...s, edge: { ...s.edge!, clientIpHeader: null } };
    expect(() => campaignArgs(noHeader, "signup", "r.json", [])).toThrow(/--client-ip-header cf-connecting-ip/);
  });
  test("report and extra options are passed on", () => {
    expect(campaignArgs(s, "apex", "r.json", ["--steps", "100"]).slice(-4)).toEqual(["--report", "r.json", "--steps", "100"]);
  });
});
