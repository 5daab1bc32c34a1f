import {
  brevoVerification,
  buildDkim,
  buildDmarc,
  buildSpf,
  dkimKey,
  dkimSelector,
  normalizeName,
  parseMxConfig,
  planRecords,
  quoteTxt,
  unquoteTxt,
} from "./records";

describe("quoteTxt / unquoteTxt", () => {
  it.each([
    ["short value", "v=spf1 -all", '"v=spf1 -all"'],
    ["empty value", "", '""'],
    ["exactly 255 bytes stays one string", "a".repeat(255), `"${"a".repeat(255)}"`],
    ["256 bytes splits in two", "a".repeat(256), `"${"a".repeat(255)}" "a"`],
    ["quotes and backslashes escaped", 'say "hi" \\o/', '"say \\"hi\\" \\\\o/"'],
  ])("%s", (_label, value, quoted) => {
    expect(quoteTxt(value)).toBe(quoted);
    expect(unquoteTxt(quoted).join("")).toBe(value);
  });

  it("splits a 2048-bit DKIM record into strings of at most 255 bytes", () => {
    const value = `v=DKIM1; k=rsa; p=${"A".repeat(392)}`;
    const chunks = unquoteTxt(quoteTxt(value));
    expect(chunks.map((c) => c.length)).toEqual([255, value.length - 255]);
    expect(chunks.join("")).toBe(value);
  });

  it("rejects non-printable content and unbalanced quotes", () => {
    expect(() => quoteTxt("é")).toThrow(/printable ASCII/);
    expect(() => unquoteTxt('"open')).toThrow(/unbalanced/);
  });

  it("reads unquoted content as one string", () => {
    expect(unquoteTxt("v=spf1 -all")).toEqual(["v=spf1 -all"]);
  });
});

describe("parseMxConfig", () => {
  it.each([
    ["10 blackhole.tem.scaleway.com.", { priority: 10, host: "blackhole.tem.scaleway.com" }],
    ["  5   MX.Example.org ", { priority: 5, host: "mx.example.org" }],
    ["0 .", { priority: 0, host: "." }],
  ])("%j", (input, expected) => {
    expect(parseMxConfig(input)).toEqual(expected);
  });

  it.each([["blackhole.tem.scaleway.com."], ["10"], ["x host."], ["70000 host."]])("rejects %j", (input) => {
    expect(() => parseMxConfig(input)).toThrow(/MX/);
  });
});

describe("buildSpf", () => {
  it.each([
    ["TEM spfConfig", "include:_spf.tem.scaleway.com", "-all", "v=spf1 include:_spf.tem.scaleway.com -all"],
    ["TEM spfValue: the provider's all is replaced", "v=spf1 include:_spf.tem.scaleway.com -all", "~all", "v=spf1 include:_spf.tem.scaleway.com ~all"],
    ["a +all from a provider never survives", "include:a.example +all", "-all", "v=spf1 include:a.example -all"],
    ["several terms keep their order", "ip4:192.0.2.0/24  include:b.example", "-all", "v=spf1 ip4:192.0.2.0/24 include:b.example -all"],
  ] as const)("%s", (_label, terms, all, expected) => {
    expect(buildSpf(terms, all)).toBe(expected);
  });

  it("rejects empty provider terms", () => {
    expect(() => buildSpf("v=spf1 -all", "-all")).toThrow(/empty/);
  });
});

describe("buildDmarc", () => {
  it.each([
    [{ policy: "quarantine", rua: ["mailto:d@example.fr"] }, "v=DMARC1; p=quarantine; sp=quarantine; np=quarantine; adkim=r; aspf=r; rua=mailto:d@example.fr"],
    [
      { policy: "reject", subdomainPolicy: "quarantine", adkim: "s", aspf: "s", rua: ["mailto:a@example.fr", "mailto:b@example.fr"] },
      "v=DMARC1; p=reject; sp=quarantine; np=quarantine; adkim=s; aspf=s; rua=mailto:a@example.fr,mailto:b@example.fr",
    ],
    [{ policy: "none", rua: ["mailto:d@example.fr"] }, "v=DMARC1; p=none; sp=none; np=none; adkim=r; aspf=r; rua=mailto:d@example.fr"],
  ] as const)("%j", (input, expected) => {
    expect(buildDmarc({ ...input, rua: [...input.rua] })).toBe(expected);
  });

  it("requires a report address", () => {
    expect(() => buildDmarc({ policy: "reject", rua: [] })).toThrow(/rua/);
  });
});

describe("buildDkim", () => {
  it.each([
    ["full TEM value kept", "v=DKIM1; h=sha256; k=rsa; p=MIIB", "v=DKIM1; h=sha256; k=rsa; p=MIIB"],
    ["Brevo style without spaces", "k=rsa;p=MIIB", "k=rsa; p=MIIB"],
    ["whitespace inside the key removed", "v=DKIM1; k=rsa; p=MII B\n AB", "v=DKIM1; k=rsa; p=MIIBAB"],
    ["bare key wrapped", " MIIB AB ", "v=DKIM1; k=rsa; p=MIIBAB"],
    ["surrounding quotes dropped", '"k=rsa; p=MIIB"', "k=rsa; p=MIIB"],
  ])("%s", (_label, input, expected) => {
    expect(buildDkim(input)).toBe(expected);
  });
});

describe("names", () => {
  it.each([
    ["Mail.Example.FR.", "mail.example.fr"],
    ["mail.example.fr", "mail.example.fr"],
  ])("normalizeName(%j)", (input, expected) => expect(normalizeName(input)).toBe(expected));

  it.each([
    ["11111111-2222._domainkey.mail.example.fr.", "mail.example.fr", "11111111-2222"],
    ["mail._domainkey.mail.example.fr", "mail.example.fr", "mail"],
    ["mail._domainkey.other.fr", "mail.example.fr", undefined],
    ["_domainkey.mail.example.fr", "mail.example.fr", undefined],
  ])("dkimSelector(%j, %j)", (name, domain, expected) => expect(dkimSelector(name, domain)).toBe(expected));

  it("dkimKey keeps resource names safe", () => {
    expect(dkimKey("11111111-2222-4333-a444-555555555555")).toBe("dkim-11111111-2222-4333-a444-555555555555");
    expect(dkimKey("Brevo_1")).toBe("dkim-brevo-1");
  });

  it.each([
    ["abc123", "brevo-code:abc123"],
    ["brevo-code:abc123", "brevo-code:abc123"],
    ["sendinblue-code:abc", "sendinblue-code:abc"],
  ])("brevoVerification(%j)", (input, expected) => expect(brevoVerification(input)).toBe(expected));
});

describe("planRecords", () => {
  const policy = { domain: "mail.example.fr", dmarc: { policy: "reject" as const, rua: ["mailto:dmarc@example.fr"] }, spfAll: "-all" as const, ttl: 3600 };

  it("declares TEM's values: SPF, DKIM at the selector, DMARC, MX split into priority and host", () => {
    const records = planRecords(
      {
        spfTerms: "include:_spf.tem.scaleway.com",
        dkim: { name: "proj-1._domainkey.mail.example.fr.", value: "v=DKIM1; h=sha256; k=rsa; p=KEY" },
        mxConfig: "10 blackhole.tem.scaleway.com.",
      },
      policy,
    );
    expect(records).toEqual([
      { key: "spf", purpose: "spf", name: "mail.example.fr", type: "TXT", content: '"v=spf1 include:_spf.tem.scaleway.com -all"', ttl: 3600 },
      { key: "dkim-proj-1", purpose: "dkim", name: "proj-1._domainkey.mail.example.fr", type: "TXT", content: '"v=DKIM1; h=sha256; k=rsa; p=KEY"', ttl: 3600 },
      {
        key: "dmarc",
        purpose: "dmarc",
        name: "_dmarc.mail.example.fr",
        type: "TXT",
        content: '"v=DMARC1; p=reject; sp=reject; np=reject; adkim=r; aspf=r; rua=mailto:dmarc@example.fr"',
        ttl: 3600,
      },
      { key: "mx", purpose: "mx", name: "mail.example.fr", type: "MX", content: "blackhole.tem.scaleway.com", priority: 10, ttl: 3600 },
    ]);
  });

  it("declares a null MX and the ownership TXT for Brevo", () => {
    const records = planRecords(
      { spfTerms: "include:spf.brevo.com", dkim: { name: "mail._domainkey.mail.example.fr", value: "k=rsa;p=KEY" }, mxConfig: null, verification: "brevo-code:abc" },
      { ...policy, ttl: 300 },
    );
    expect(records.map((r) => [r.key, r.name, r.type, r.content, r.priority, r.ttl])).toEqual([
      ["spf", "mail.example.fr", "TXT", '"v=spf1 include:spf.brevo.com -all"', undefined, 300],
      ["dkim-mail", "mail._domainkey.mail.example.fr", "TXT", '"k=rsa; p=KEY"', undefined, 300],
      ["dmarc", "_dmarc.mail.example.fr", "TXT", '"v=DMARC1; p=reject; sp=reject; np=reject; adkim=r; aspf=r; rua=mailto:dmarc@example.fr"', undefined, 300],
      ["mx", "mail.example.fr", "MX", ".", 0, 300],
      ["verification", "mail.example.fr", "TXT", '"brevo-code:abc"', undefined, 300],
    ]);
  });
});
