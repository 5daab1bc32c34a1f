import { balanceError, countryTests, negationMap, tokenize, unknownWords } from "./cf-expr";

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
    ['not (http.host eq "x" or ip.src.country in {"DE"})', [{ negated: true, codes: ["DE"] }]],
    ['http.host eq "x" and not ip.src.country ne "FR"', [{ negated: false, codes: ["FR"] }]],
  ])("country tests in %s", (expr, expected) => {
    expect(countryTests(tokenize(expr).tokens)).toMatchObject(expected);
  });
  test.each([
    ['not starts_with(http.request.uri.path, "/api/") and http.host eq "a"', { "/api/": true, a: false }],
    ['not http.cookie contains "s" and starts_with(http.request.uri.path, "/api/")', { s: true, "/api/": false }],
    ['not (http.host eq "a" or http.host eq "b") and http.host eq "c"', { a: true, b: true, c: false }],
    ['not not http.host eq "a"', { a: false }],
    ['http.host eq "a" and not ip.src in {1.1.1.1}', { a: false }],
  ])("negation scopes in %s", (expr, expected) => {
    const { tokens } = tokenize(expr);
    const neg = negationMap(tokens);
    const got: Record<string, boolean> = {};
    tokens.forEach((t, i) => {
      if (t.kind === "string") got[t.value] = neg[i];
    });
    expect(got).toEqual(expected);
  });
});
