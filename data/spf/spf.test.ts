import { parseSpfChain, SPF_CHAIN_FILES, VENDORED_SPF_CHAINS, vendoredSpfRecords } from "./index";
import { spfTargets } from "./refresh";

describe("vendored SPF chains", () => {
  it.each(Object.entries(VENDORED_SPF_CHAINS))("%s: holds its include's SPF record, a date and its sources", (_provider, chain) => {
    const spf = chain.records[chain.include]?.TXT?.filter((t) => /^v=spf1(\s|$)/i.test(t)) ?? [];
    expect(spf).toHaveLength(1);
    expect(chain.takenAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(chain.sources.length).toBeGreaterThan(0);
    // A stand-in must say why and how to replace it.
    if (chain.standIn) expect(chain.note).toMatch(/refresh\.ts/);
  });

  it("has one file per provider under data/spf/", () => {
    expect(SPF_CHAIN_FILES).toEqual({ "scaleway-tem": "data/spf/scaleway-tem.json", brevo: "data/spf/brevo.json" });
    expect(Object.values(VENDORED_SPF_CHAINS).map((c) => c.include)).toEqual(["_spf.tem.scaleway.com", "spf.brevo.com"]);
  });

  it("merges the chains into one table of names for the resolvers (program and policy pack)", () => {
    expect(vendoredSpfRecords()).toEqual({ "_spf.tem.scaleway.com": { TXT: ["v=spf1 -all"] }, "spf.brevo.com": { TXT: ["v=spf1 -all"] } });
  });

  it("refuses two chains that vendor one name with different records", () => {
    const other = { ...VENDORED_SPF_CHAINS.brevo, provider: "other", records: { "spf.brevo.com": { TXT: ["v=spf1 ip4:192.0.2.0/24 -all"] } } };
    expect(() => vendoredSpfRecords([VENDORED_SPF_CHAINS.brevo, other])).toThrow("data/spf: spf.brevo.com is vendored twice with different records");
  });

  it("rejects a chain file without sources, naming the file and field", () => {
    expect(() => parseSpfChain({ ...VENDORED_SPF_CHAINS.brevo, sources: [] }, "data/spf/brevo.json")).toThrow(/^data\/spf\/brevo\.json: sources/);
  });
});

describe("spfTargets (what refresh.ts follows)", () => {
  it.each([
    ["v=spf1 include:_spf.tem.scaleway.com -all", [{ name: "_spf.tem.scaleway.com", type: "TXT" }]],
    ["v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", []],
    ["v=spf1 a mx:mx.example.org/24 exists:%{i}.spf.example.org redirect=_spf.example.org", [
      { name: "self.example", type: "A" },
      { name: "mx.example.org", type: "MX" },
      { name: "_spf.example.org", type: "TXT" },
    ]],
    ["v=spf1 ~include:Other.Example. -all", [{ name: "other.example", type: "TXT" }]],
  ])("%j", (record, expected) => {
    expect(spfTargets(record, "self.example")).toEqual(expected);
  });
});
