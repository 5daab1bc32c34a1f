import { parseSpfChain, VENDORED_SPF_CHAINS } from "./index";
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

  it("rejects a chain file without sources, naming the file and field", () => {
    expect(() => parseSpfChain({ ...VENDORED_SPF_CHAINS.brevo, sources: [] }, "brevo-spf.json")).toThrow(/^brevo-spf\.json: sources/);
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
