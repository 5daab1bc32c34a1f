import { FRENCH_TERRITORIES, geoBanProblem, isFrenchTerritory, isIsoCountryCode, ISO_3166_ALPHA2 } from "./countries";

describe("ISO 3166-1 alpha-2 list", () => {
  it("holds the 249 officially assigned codes, each once, upper case, sorted", () => {
    expect(ISO_3166_ALPHA2).toHaveLength(249);
    expect(new Set(ISO_3166_ALPHA2).size).toBe(249);
    for (const c of ISO_3166_ALPHA2) expect(c).toMatch(/^[A-Z]{2}$/);
    expect([...ISO_3166_ALPHA2].sort()).toEqual(ISO_3166_ALPHA2);
  });

  it.each([
    ["FR", true],
    ["KP", true],
    ["GB", true],
    ["SS", true],
    ["UK", false], // reserved, the ISO code is GB
    ["EU", false], // exceptionally reserved, not a country
    ["XK", false], // user-assigned (Kosovo)
    ["FX", false],
    ["CP", false],
    ["T1", false], // Cloudflare's Tor pseudo-country
    ["fr", false], // lower case is not how Cloudflare writes it
    ["", false],
  ])("isIsoCountryCode(%j) is %s", (code, expected) => {
    expect(isIsoCountryCode(code)).toBe(expected);
  });
});

describe("French territories", () => {
  it("every assigned French code is in the ISO list", () => {
    for (const code of Object.keys(FRENCH_TERRITORIES).filter((c) => c !== "FX" && c !== "CP")) {
      expect(isIsoCountryCode(code)).toBe(true);
    }
  });

  it.each(["FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF", "fr", "re"])("%s is French", (code) => {
    expect(isFrenchTerritory(code)).toBe(true);
  });

  it.each(["KP", "BE", "CH", "MC", "AD", "DE"])("%s is not French", (code) => {
    expect(isFrenchTerritory(code)).toBe(false);
  });
});

describe("geoBanProblem", () => {
  it.each([
    ["KP", undefined],
    ["RU", undefined],
    ["FR", /must not be France or a French overseas territory \(FR is France\)/],
    ["RE", /\(RE is La Réunion\)/],
    ["YT", /Mayotte/],
    ["NC", /Nouvelle-Calédonie/],
    ["fr", /\(FR is France\)/],
    ["FX", /France métropolitaine/],
    ["kp", /upper case/],
    ["KPX", /ISO 3166-1 alpha-2/],
    ["EU", /officially assigned/],
    ["ZZ", /officially assigned/],
  ])("%j -> %s", (code, expected) => {
    const problem = geoBanProblem(code);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it("refuses every French code, whatever its case", () => {
    for (const code of Object.keys(FRENCH_TERRITORIES)) {
      expect(geoBanProblem(code)).toMatch(/^must not be France/);
      expect(geoBanProblem(code.toLowerCase())).toMatch(/^must not be France/);
    }
  });
});
