import { domainSchema } from "./platform";

const base = { apex: "renfort.gouv.fr", zone: "renfort-benevoles.fr", mainHost: "www.renfort-benevoles.fr" };

describe("renfort:domain", () => {
  it("defaults apexDnsManagedHere and apexDnsPointedHere to false (first deploy: no apex certificate)", () => {
    expect(domainSchema.parse(base)).toEqual({ ...base, apexDnsManagedHere: false, apexDnsPointedHere: false });
  });

  it.each([
    [{ apexDnsPointedHere: true }, { apexDnsManagedHere: false, apexDnsPointedHere: true }],
    [{ apexDnsManagedHere: true }, { apexDnsManagedHere: true, apexDnsPointedHere: false }],
    [{ apexDnsManagedHere: true, apexDnsPointedHere: true }, { apexDnsManagedHere: true, apexDnsPointedHere: true }],
  ])("accepts %j", (flags, expected) => {
    expect(domainSchema.parse({ ...base, ...flags })).toMatchObject(expected);
  });

  it("refuses a non-boolean apexDnsPointedHere", () => {
    const r = domainSchema.safeParse({ ...base, apexDnsPointedHere: "yes" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(["apexDnsPointedHere"]);
  });
});
