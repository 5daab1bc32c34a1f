import { COUNTRIES, parseCountries } from "./country-codes";

describe("data/countries.json", () => {
  it("holds the 249 officially assigned ISO codes, France and its territories, and Cloudflare's two non-ISO values", () => {
    expect(COUNTRIES.iso3166Alpha2).toHaveLength(249);
    expect(COUNTRIES.iso3166Alpha2).toEqual(expect.arrayContaining(["FR", "KP", "RU", "ZW"]));
    expect(Object.keys(COUNTRIES.frenchTerritories).sort()).toEqual(
      ["BL", "CP", "FR", "FX", "GF", "GP", "MF", "MQ", "NC", "PF", "PM", "RE", "TF", "WF", "YT"],
    );
    expect(Object.keys(COUNTRIES.cloudflareNonIso).sort()).toEqual(["T1", "XX"]);
  });

  it("keeps FX and CP out of the ISO list: reserved codes, not countries", () => {
    expect(COUNTRIES.iso3166Alpha2).not.toContain("FX");
    expect(COUNTRIES.iso3166Alpha2).not.toContain("CP");
  });

  const good = { source: "s", takenAt: "2026-01-01", iso3166Alpha2: ["AD", "FR"], frenchTerritories: { FR: "France" }, cloudflareNonIso: { XX: "unknown" } };
  it.each([
    [{ ...good, takenAt: "soon" }, /data\/countries\.json: takenAt must be a YYYY-MM-DD date/],
    [{ ...good, iso3166Alpha2: ["FR", "AD"] }, /iso3166Alpha2\[1\] must be sorted and unique \(AD after FR\)/],
    [{ ...good, iso3166Alpha2: ["AD", "fr"] }, /iso3166Alpha2\[1\] must be two upper-case letters/],
    [{ ...good, frenchTerritories: {} }, /frenchTerritories must be a non-empty object/],
    [{ ...good, cloudflareNonIso: { FR: "France" } }, /cloudflareNonIso\.FR is an ISO code/],
  ])("names the field of a malformed file (%#)", (doc, message) => {
    expect(() => parseCountries(doc)).toThrow(message);
  });
});
