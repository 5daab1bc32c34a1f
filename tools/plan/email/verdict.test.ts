/**
 * The plan's email verdict over what a stack exports under `email`: which vendored chains it follows, and
 * what it does with records that are missing or only known after deployment.
 */
import { planRecords, type PlannedRecord } from "../../../components/email/records";
import { VENDORED_SPF_CHAINS } from "../../../data/spf";
import { MOCK_PROJECT_ID, MOCK_TEM_DKIM_PUBLIC_KEY } from "../mocks";
import { UNKNOWN } from "../values";
import { installDnsGuard, type DnsGuard } from "./testing/dns-guard";
import { emailVerdict, includedChains } from "./verdict";

const DOMAIN = "mail.example.fr";
const SENDER = `benevoles@${DOMAIN}`;

function records(spfTerms: string, policy: "none" | "quarantine" = "quarantine"): PlannedRecord[] {
  return planRecords(
    {
      spfTerms,
      dkim: { name: `${MOCK_PROJECT_ID}._domainkey.${DOMAIN}`, value: `v=DKIM1; k=rsa; p=${MOCK_TEM_DKIM_PUBLIC_KEY}` },
      mxConfig: "10 blackhole.tem.scaleway.com.",
    },
    { domain: DOMAIN, dmarc: { policy, rua: ["mailto:dmarc@example.fr"] }, spfAll: "-all", ttl: 3600 },
  );
}

let guard: DnsGuard;
beforeAll(() => {
  guard = installDnsGuard();
});
afterAll(() => guard.restore());
afterEach(() => expect(guard.calls).toEqual([]));

describe("includedChains", () => {
  it.each([
    ["TEM's include", "include:_spf.tem.scaleway.com", ["scaleway-tem"]],
    ["Brevo's include, upper case with a trailing dot", "INCLUDE:spf.brevo.com.", ["brevo"]],
    ["both", "include:_spf.tem.scaleway.com ~include:spf.brevo.com", ["scaleway-tem", "brevo"]],
    ["no vendored include", "ip4:192.0.2.0/24", []],
  ])("%s", (_label, terms, providers) => {
    expect(includedChains(records(terms)).map((c) => c.provider)).toEqual(providers);
  });

  it("reads only SPF records (a DMARC or verification TXT naming a chain does not count)", () => {
    const rs = records("ip4:192.0.2.0/24").map((r) => (r.purpose === "dmarc" ? { ...r, content: '"include:spf.brevo.com"' } : r));
    expect(includedChains(rs, Object.values(VENDORED_SPF_CHAINS))).toEqual([]);
  });
});

describe("emailVerdict", () => {
  it("judges the exported records with the tier and zone of the stack", async () => {
    const v = await emailVerdict({ domain: DOMAIN, sender: SENDER, records: records("include:_spf.tem.scaleway.com") }, { tier: "prod", zone: "example.fr" });
    expect(v).toMatchObject({ ok: true, domain: DOMAIN, tier: "prod", problems: [] });
    expect(v?.checks.find((c) => c.check === "spf-chain-data")?.record).toBe("spf TXT _spf.tem.scaleway.com");
  });

  it("fails a prod DMARC p=none, naming the record and the key to set", async () => {
    const v = await emailVerdict({ domain: DOMAIN, sender: SENDER, records: records("include:_spf.tem.scaleway.com", "none") }, { tier: "prod" });
    expect(v?.ok).toBe(false);
    expect(v?.problems).toEqual([expect.stringMatching(/^dmarc TXT _dmarc\.mail\.example\.fr: p=none, sp=none, np=none in prod: .*renfort:email\.dmarc\.policy/)]);
  });

  it.each([
    ["no email output", undefined],
    ["records unknown before deployment", { domain: DOMAIN, sender: SENDER, records: UNKNOWN }],
    ["one content unknown before deployment", { domain: DOMAIN, sender: SENDER, records: records("include:_spf.tem.scaleway.com").map((r) => (r.purpose === "dkim" ? { ...r, content: UNKNOWN } : r)) }],
    ["no sender", { domain: DOMAIN, records: records("include:_spf.tem.scaleway.com") }],
  ])("gives no verdict with %s", async (_label, exported) => {
    expect(await emailVerdict(exported, { tier: "prod" })).toBeUndefined();
  });
});
