import { domainSchema } from "./platform";

const base = { apex: "renfort.gouv.fr", zone: "renfort-benevoles.fr", mainHost: "www.renfort-benevoles.fr" };

describe("renfort:domain", () => {
  it("defaults apexDnsManagedHere and apexChallengeDelegated to false (first deploy: no apex certificate)", () => {
    expect(domainSchema.parse(base)).toEqual({ ...base, apexDnsManagedHere: false, apexChallengeDelegated: false });
  });

  it.each([
    [{ apexChallengeDelegated: true }, { apexDnsManagedHere: false, apexChallengeDelegated: true }],
    [{ apexDnsManagedHere: true }, { apexDnsManagedHere: true, apexChallengeDelegated: false }],
    [{ apexDnsManagedHere: true, apexChallengeDelegated: true }, { apexDnsManagedHere: true, apexChallengeDelegated: true }],
  ])("accepts %j", (flags, expected) => {
    expect(domainSchema.parse({ ...base, ...flags })).toMatchObject(expected);
  });

  it("refuses a non-boolean apexChallengeDelegated", () => {
    const r = domainSchema.safeParse({ ...base, apexChallengeDelegated: "yes" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(["apexChallengeDelegated"]);
  });
});
