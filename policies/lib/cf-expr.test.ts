import { balanceError, countryTests, tokenize, unknownWords } from "./cf-expr";

describe("cf-expr", () => {
  test("tokenizes strings, raw strings and sets", () => {
    const { tokens, error } = tokenize('(ip.src.country in {"KP" "RU"} and http.request.uri.path matches r"^/api/.*")');
    expect(error).toBeUndefined();
    expect(tokens.filter((t) => t.kind === "string").map((t) => t.value)).toEqual(["KP", "RU", "^/api/.*"]);
  });
  test.each([
    ['(http.host eq "a"', 'unclosed "("'],
    ['http.host eq "a")', 'unbalanced ")"'],
  ])("balance of %s", (expr, err) => {
    expect(balanceError(tokenize(expr).tokens)).toBe(err);
  });
  test("unclosed string", () => {
    expect(tokenize('http.host eq "a').error).toMatch(/not closed/);
  });
  test("unknown words", () => {
    expect(unknownWords(tokenize('http.request.uri.path eq "/" and starts_with(http.request.headers["x"][0], "/a")').tokens)).toEqual([]);
    expect(unknownWords(tokenize('http.request.uri.pth eq "/"').tokens)).toEqual(["http.request.uri.pth"]);
    expect(unknownWords(tokenize('request.path eq "/"').tokens)).toEqual(["request.path"]);
    expect(unknownWords(tokenize('startswith(http.host, "a")').tokens)).toEqual(["startswith"]);
  });
  test.each([
    ['ip.src.country in {"RU" "KP"}', [{ negated: false, codes: ["RU", "KP"] }]],
    ['not ip.src.country in {"FR"}', [{ negated: true, codes: ["FR"] }]],
    ['(not ip.src.country in {"FR"})', [{ negated: true, codes: ["FR"] }]],
    ['ip.src.country ne "FR"', [{ negated: true, codes: ["FR"] }]],
    ['ip.geoip.country eq "RU"', [{ negated: false, codes: ["RU"] }]],
  ])("country tests in %s", (expr, expected) => {
    expect(countryTests(tokenize(expr).tokens)).toMatchObject(expected);
  });
});
