import { generateKeyPairSync } from "node:crypto";
import dns from "node:dns";
import { MOCK_PROJECT_ID, MOCK_TEM_DKIM_PUBLIC_KEY } from "../mocks";
import { VENDORED_SPF_CHAINS, type SpfChain } from "../../../data/spf";
import { planRecords, quoteTxt, type PlannedRecord, type RecordPurpose } from "../../../components/email/records";
import { installDnsGuard, type DnsGuard } from "./testing/dns-guard";
import { createOfflineResolver, dkimKeyProblems, parseDmarc, spfSyntaxProblems, validateEmailRecords, type EmailValidationVerdict, type Tier } from "./validate";

const DOMAIN = "mail.example.fr";
const ZONE = "example.fr";
const SENDER = `benevoles@${DOMAIN}`;
const TEM = VENDORED_SPF_CHAINS["scaleway-tem"];

let guard: DnsGuard;
beforeAll(() => {
  guard = installDnsGuard();
});
afterAll(() => guard.restore());
afterEach(() => expect(guard.calls).toEqual([]));

/** The records planned from Scaleway TEM's values (the mocked TEM domain's real 2048-bit key). */
function temRecords(policy: "none" | "quarantine" | "reject" = "quarantine"): PlannedRecord[] {
  return planRecords(
    {
      spfTerms: "include:_spf.tem.scaleway.com",
      dkim: { name: `${MOCK_PROJECT_ID}._domainkey.${DOMAIN}.`, value: `v=DKIM1; h=sha256; k=rsa; p=${MOCK_TEM_DKIM_PUBLIC_KEY}` },
      mxConfig: "10 blackhole.tem.scaleway.com.",
    },
    { domain: DOMAIN, dmarc: { policy, rua: [`mailto:dmarc@${ZONE}`] }, spfAll: "-all", ttl: 3600 },
  );
}

function txt(purpose: RecordPurpose, name: string, value: string): PlannedRecord {
  return { key: purpose, purpose, name, type: "TXT", content: quoteTxt(value), ttl: 3600 };
}

/** The records with the one of `purpose` replaced by a TXT holding `value`. */
function withTxt(records: PlannedRecord[], purpose: RecordPurpose, value: string): PlannedRecord[] {
  return records.map((r) => (r.purpose === purpose ? { ...r, content: quoteTxt(value) } : r));
}

function validate(records: PlannedRecord[], tier: Tier = "prod", chains: SpfChain[] = [TEM], sender = SENDER): Promise<EmailValidationVerdict> {
  return validateEmailRecords(records, { domain: DOMAIN, zone: ZONE, tier, sender, chains });
}

const errors = (v: EmailValidationVerdict) => v.checks.filter((c) => !c.ok && c.level === "error");
const warnings = (v: EmailValidationVerdict) => v.checks.filter((c) => !c.ok && c.level === "warning");

/** A chain in `lookups.test` whose first record includes `n` leaves: n + 1 lookups from an include of its root. */
function chainWithIncludes(n: number): SpfChain {
  const leaves = Array.from({ length: n }, (_, i) => `c${i + 2}.lookups.test`);
  return {
    provider: "test",
    include: "c1.lookups.test",
    takenAt: "2026-11-29",
    standIn: false,
    sources: [{ url: "test", says: "built by the test" }],
    zones: ["lookups.test"],
    records: {
      "c1.lookups.test": { TXT: [`v=spf1 ${leaves.map((l) => `include:${l}`).join(" ")} -all`] },
      ...Object.fromEntries(leaves.map((l, i) => [l, { TXT: [`v=spf1 ip4:198.51.100.${i + 1} -all`] }])),
    },
  };
}

function rsaKeyBase64(bits: number): string {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return publicKey.export({ type: "spki", format: "der" }).toString("base64");
}

describe("validateEmailRecords with TEM's values", () => {
  it("passes in prod: one SPF ending in -all, 2048-bit DKIM, DMARC quarantine, MX; 1 lookup", async () => {
    const v = await validate(temRecords());
    expect(errors(v)).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.problems).toEqual([]);
    expect(v.spf).toEqual({ lookups: 1, limit: 10, voidLookups: 0, result: "fail" });
    expect(v.checks.find((c) => c.check === "dkim-key")?.message).toMatch(/RSA 2048 bits$/);
    expect(v.checks.find((c) => c.check === "dkim-receiver")?.ok).toBe(true);
    expect(v.checks.find((c) => c.check === "dmarc-receiver")?.message).toMatch(/receivers read p=quarantine/);
    expect(v.checks.find((c) => c.check === "sender")?.message).toMatch(/passes DMARC/);
    // The vendored TEM chain is a stand-in: said, not hidden.
    expect(warnings(v).map((c) => c.check)).toEqual(["spf-chain-data"]);
  });

  it("passes in staging with p=none, with a warning", async () => {
    const v = await validate(temRecords("none"), "staging");
    expect(v.ok).toBe(true);
    expect(warnings(v).map((c) => c.check)).toContain("dmarc-policy");
  });

  it("the verdict is plain data (serializable, no functions)", async () => {
    const v = await validate(temRecords());
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });
});

describe("broken records are rejected with a message naming the record", () => {
  it("two SPF records at one name", async () => {
    const records = [...temRecords(), txt("spf", DOMAIN, "v=spf1 include:spf.brevo.com -all")];
    const v = await validate(records, "prod", [TEM, VENDORED_SPF_CHAINS.brevo]);
    expect(v.ok).toBe(false);
    const single = errors(v).find((c) => c.check === "spf-single");
    expect(single?.message).toMatch(/^spf TXT mail\.example\.fr: 2 SPF records at one name/);
    // A receiver's evaluation agrees: permerror.
    expect(errors(v).find((c) => c.check === "spf-eval")?.message).toMatch(/permerror.*multiple SPF records/);
  });

  it("+all", async () => {
    const v = await validate(withTxt(temRecords(), "spf", "v=spf1 include:_spf.tem.scaleway.com +all"));
    expect(v.ok).toBe(false);
    expect(errors(v).find((c) => c.check === "spf-syntax")?.message).toMatch(/^spf TXT mail\.example\.fr: ends in "\+all"/);
    expect(errors(v).find((c) => c.check === "spf-eval")?.message).toMatch(/^spf TXT mail\.example\.fr: 192\.0\.2\.1 .* gets "pass"/);
  });

  it.each([
    ["?all", "v=spf1 include:_spf.tem.scaleway.com ?all", /ends in "\?all"/],
    ["no all term", "v=spf1 include:_spf.tem.scaleway.com", /has no "all" term/],
    ["~all in prod", "v=spf1 include:_spf.tem.scaleway.com ~all", /prod requires "-all"/],
    ["ptr", "v=spf1 ptr include:_spf.tem.scaleway.com -all", /ptr mechanism must not be used/],
    ["unknown mechanism", "v=spf1 inlcude:_spf.tem.scaleway.com -all", /unknown mechanism "inlcude:/],
  ])("SPF %s", async (_label, value, message) => {
    const v = await validate(withTxt(temRecords(), "spf", value));
    expect(v.ok).toBe(false);
    const c = errors(v).find((x) => x.check === "spf-syntax");
    expect(c?.record).toBe("spf TXT mail.example.fr");
    expect(c?.message).toMatch(message);
  });

  it("~all passes in staging", async () => {
    const v = await validate(withTxt(temRecords("none"), "spf", "v=spf1 include:_spf.tem.scaleway.com ~all"), "staging");
    expect(errors(v)).toEqual([]);
    expect(v.spf?.result).toBe("softfail");
  });

  it("eleven lookups", async () => {
    const chain = chainWithIncludes(10);
    const v = await validate(withTxt(temRecords(), "spf", "v=spf1 include:c1.lookups.test -all"), "prod", [chain]);
    expect(v.ok).toBe(false);
    expect(v.spf?.lookups).toBe(11);
    expect(errors(v).find((c) => c.check === "spf-lookups")?.message).toMatch(
      /^spf TXT mail\.example\.fr: worst case 11 DNS lookups, over the limit of 10 \(RFC 7208 §4\.6\.4\)/,
    );
  });

  it("ten lookups pass, with a headroom warning", async () => {
    const v = await validate(withTxt(temRecords(), "spf", "v=spf1 include:c1.lookups.test -all"), "prod", [chainWithIncludes(9)]);
    expect(v.spf?.lookups).toBe(10);
    expect(errors(v)).toEqual([]);
    expect(warnings(v).map((c) => c.message)).toContainEqual(expect.stringMatching(/10 DNS lookups leaves less than 2 of headroom/));
  });

  it("three void lookups (includes of names that do not exist)", async () => {
    const chain: SpfChain = { ...chainWithIncludes(1), records: {} };
    const v = await validate(
      withTxt(temRecords(), "spf", "v=spf1 a:x1.lookups.test a:x2.lookups.test a:x3.lookups.test -all"),
      "prod",
      [chain],
    );
    expect(errors(v).find((c) => c.check === "spf-eval")?.message).toMatch(/permerror.*Too many void DNS results/);
  });

  it("an include with no vendored data is an error, never a live lookup", async () => {
    const v = await validate(withTxt(temRecords(), "spf", "v=spf1 include:_spf.unknown-provider.example -all"));
    expect(errors(v).find((c) => c.check === "spf-eval")?.message).toMatch(/no offline DNS data for TXT _spf\.unknown-provider\.example/);
  });

  it("1024-bit DKIM", async () => {
    const v = await validate(withTxt(temRecords(), "dkim", `v=DKIM1; k=rsa; p=${rsaKeyBase64(1024)}`));
    expect(v.ok).toBe(false);
    const c = errors(v).find((x) => x.check === "dkim-key");
    expect(c?.message).toBe(
      `dkim TXT ${MOCK_PROJECT_ID}._domainkey.${DOMAIN}: RSA key is 1024 bits: use at least 2048 (RFC 8301; 1024-bit keys are factorable and rejected by some receivers)`,
    );
  });

  it.each([
    ["revoked key", "v=DKIM1; k=rsa; p=", /key is revoked/],
    ["not base64", "v=DKIM1; k=rsa; p=not*base64", /p= is not base64/],
    ["garbage key", "v=DKIM1; k=rsa; p=QUJD", /not a DER SubjectPublicKeyInfo/],
    ["testing flag in prod", `v=DKIM1; k=rsa; t=y; p=${MOCK_TEM_DKIM_PUBLIC_KEY}`, /t=y/],
  ])("DKIM %s", async (_label, value, message) => {
    const v = await validate(withTxt(temRecords(), "dkim", value));
    expect(errors(v).find((x) => x.check === "dkim-key")?.message).toMatch(message);
  });

  it("p=none in prod", async () => {
    const v = await validate(temRecords("none"), "prod");
    expect(v.ok).toBe(false);
    expect(errors(v).map((c) => c.message)).toContainEqual(
      "dmarc TXT _dmarc.mail.example.fr: p=none, sp=none, np=none in prod: spoofed mail is delivered; set renfort:email.dmarc.policy to quarantine or reject",
    );
  });

  it.each([
    ["a misspelt policy", "v=DMARC1; p=quarantin; rua=mailto:dmarc@example.fr", /p=quarantin must be none, quarantine or reject/],
    ["a missing semicolon", "v=DMARC1 p=reject; rua=mailto:dmarc@example.fr", /must start with "v=DMARC1"/],
    ["a misspelt tag", "v=DMARC1; p=reject; rau=mailto:dmarc@example.fr", /unknown tag "rau"/],
    ["a report address that is not a URI", "v=DMARC1; p=reject; rua=dmarc@example.fr", /rua entry "dmarc@example\.fr" is not a mailto: URI/],
    ["no policy", "v=DMARC1; rua=mailto:dmarc@example.fr", /has no p= tag/],
    ["a repeated tag", "v=DMARC1; p=reject; p=none; rua=mailto:dmarc@example.fr", /tag "p" appears twice/],
  ])("DMARC syntax error: %s", async (_label, value, message) => {
    const v = await validate(withTxt(temRecords(), "dmarc", value));
    expect(v.ok).toBe(false);
    const c = errors(v).find((x) => x.check === "dmarc-syntax");
    expect(c?.record).toBe("dmarc TXT _dmarc.mail.example.fr");
    expect(c?.message).toMatch(/^dmarc TXT _dmarc\.mail\.example\.fr: malformed DMARC record/);
    expect(c?.message).toMatch(message);
  });

  it("two DMARC records", async () => {
    const v = await validate([...temRecords(), txt("dmarc", `_dmarc.${DOMAIN}`, "v=DMARC1; p=reject; rua=mailto:dmarc@example.fr")]);
    expect(errors(v).find((c) => c.check === "dmarc-single")?.message).toMatch(/2 DMARC records: receivers ignore all of them/);
    expect(errors(v).find((c) => c.check === "dmarc-receiver")).toBeUndefined();
  });

  it("a sender outside the sending domain", async () => {
    const v = await validate(temRecords(), "prod", [TEM], "benevoles@example.fr");
    expect(errors(v).find((c) => c.check === "sender")?.message).toMatch(/the sender benevoles@example\.fr is not on mail\.example\.fr/);
  });

  it("a null MX beside another MX", async () => {
    const records = [...temRecords(), { key: "mx2", purpose: "mx" as const, name: DOMAIN, type: "MX" as const, content: ".", priority: 0, ttl: 3600 }];
    const v = await validate(records);
    expect(errors(v).find((c) => c.check === "mx")?.message).toMatch(/null MX must be the only MX/);
  });

  it("a name with a trailing dot and an unsplit long TXT", async () => {
    const records = temRecords().map((r) => (r.purpose === "dkim" ? { ...r, name: `${r.name}.`, content: `"${"a".repeat(300)}"` } : r));
    const v = await validate(records);
    const c = errors(v).find((x) => x.check === "record-format");
    expect(c?.message).toMatch(/name must be a lower-case FQDN without a trailing dot; a character-string is 300 bytes, over 255/);
  });

  it("report addresses outside the zone get a warning about the authorization record", async () => {
    const records = withTxt(temRecords(), "dmarc", "v=DMARC1; p=reject; rua=mailto:reports@dmarc.example.net");
    const v = await validate(records);
    expect(v.ok).toBe(true);
    expect(warnings(v).map((c) => c.message)).toContainEqual(expect.stringMatching(/mail\.example\.fr\._report\._dmarc\.dmarc\.example\.net/));
  });
});

it("a fault of the checker itself gives a failing verdict, not a crash", async () => {
  const broken = temRecords().map((r) => (r.purpose === "spf" ? { ...r, content: '"v=spf1 -all' } : r));
  const v = await validate(broken);
  expect(v.ok).toBe(false);
  expect(v.problems).toEqual([expect.stringMatching(/^email records of mail\.example\.fr: the offline check failed: TXT content has unbalanced quotes/)]);
});

describe("Brevo's values", () => {
  const brevo = (key: string) =>
    planRecords(
      { spfTerms: "include:spf.brevo.com", dkim: { name: `mail._domainkey.${DOMAIN}`, value: key }, mxConfig: null, verification: "brevo-code:abc" },
      { domain: DOMAIN, dmarc: { policy: "reject", rua: [`mailto:dmarc@${ZONE}`] }, spfAll: "-all", ttl: 3600 },
    );

  it("pass with a 2048-bit key, a null MX and the ownership TXT beside the SPF record", async () => {
    const v = await validate(brevo(`k=rsa;p=${MOCK_TEM_DKIM_PUBLIC_KEY}`), "prod", [VENDORED_SPF_CHAINS.brevo]);
    expect(errors(v)).toEqual([]);
    expect(v.checks.find((c) => c.check === "mx")?.message).toMatch(/null MX/);
  });

  it("reject Brevo's legacy 1024-bit key", async () => {
    const v = await validate(brevo(`k=rsa;p=${rsaKeyBase64(1024)}`), "prod", [VENDORED_SPF_CHAINS.brevo]);
    expect(errors(v).map((c) => c.message)).toContainEqual(expect.stringMatching(/^dkim TXT mail\._domainkey\.mail\.example\.fr: RSA key is 1024 bits/));
  });
});

describe("pure parts", () => {
  it.each([
    ["v=spf1 include:a.example -all", "prod", []],
    ["v=spf1 -all include:a.example", "prod", ['"-all" must be the last term: everything after it is ignored']],
    ["v=spf1 include:a.example redirect=b.example -all", "prod", ['"redirect=b.example" is ignored because the record has an "all" term']],
    ["v=spf1 foo=bar -all", "prod", ['unknown modifier "foo=bar"']],
  ] as const)("spfSyntaxProblems(%j)", (value, tier, expected) => {
    expect(spfSyntaxProblems(value, tier)).toEqual(expected);
  });

  it("dkimKeyProblems reads the RSA size with node:crypto", () => {
    expect(dkimKeyProblems(`v=DKIM1; k=rsa; p=${MOCK_TEM_DKIM_PUBLIC_KEY}`, "prod")).toEqual({ problems: [], warnings: [], bits: 2048, keyType: "rsa" });
    expect(dkimKeyProblems(`k=ed25519; p=${Buffer.alloc(32, 7).toString("base64")}`, "prod").keyType).toBe("ed25519");
    expect(dkimKeyProblems("v=DKIM2; p=AAAA", "prod").problems).toContain('v= must be "DKIM1" and the first tag');
  });

  it("parseDmarc accepts a full record", () => {
    const { tags, problems } = parseDmarc("v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; pct=100; fo=1:d; ri=86400; rua=mailto:a@example.fr!10m,mailto:b@example.fr; ruf=mailto:c@example.fr;");
    expect(problems).toEqual([]);
    expect(tags.get("sp")).toBe("quarantine");
  });

  it("the offline resolver answers like dns.promises.resolve and refuses unknown names", async () => {
    const { resolve, queries } = createOfflineResolver(temRecords(), [TEM], DOMAIN);
    await expect(resolve(`${DOMAIN}.`, "TXT")).resolves.toEqual([["v=spf1 include:_spf.tem.scaleway.com -all"]]);
    await expect(resolve(DOMAIN, "MX")).resolves.toEqual([{ exchange: "blackhole.tem.scaleway.com", priority: 10 }]);
    await expect(resolve(DOMAIN, "A")).rejects.toMatchObject({ code: "ENODATA" });
    await expect(resolve(`nope.${DOMAIN}`, "TXT")).rejects.toMatchObject({ code: "ENOTFOUND" });
    await expect(resolve("_spf.tem.scaleway.com", "TXT")).resolves.toEqual([["v=spf1 -all"]]);
    await expect(resolve("example.org", "TXT")).rejects.toMatchObject({ code: "ENOVENDORED" });
    expect(queries).toHaveLength(6);
  });
});

describe("the DNS guard", () => {
  it("makes any real lookup throw, and records it", async () => {
    expect(() => dns.promises.resolve("example.org", "TXT")).toThrow(/unexpected DNS lookup/);
    expect(() => dns.lookup("example.org", () => undefined)).toThrow(/unexpected DNS lookup/);
    expect(() => new dns.promises.Resolver().resolveTxt("example.org")).toThrow(/unexpected DNS lookup/);
    expect(guard.calls).toEqual(["dns.promises.resolve(example.org)", "dns.lookup(example.org)", "dns.promises.Resolver.resolveTxt(example.org)"]);
    guard.calls.length = 0;
  });
});
