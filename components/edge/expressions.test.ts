import {
  always,
  and,
  checkField,
  contains,
  endsWith,
  eq,
  evaluate,
  ExpressionError,
  field,
  hasHeader,
  isIn,
  lower,
  matches,
  MAX_EXPRESSION_LENGTH,
  ne,
  not,
  or,
  parse,
  quote,
  render,
  startsWith,
  type Expr,
  type Field,
} from "./expressions";

const PATH = "http.request.uri.path" as const;

describe("render", () => {
  it.each<[string, Expr, string]>([
    ["true", always, "true"],
    ["eq", eq(PATH, "/signup"), 'http.request.uri.path eq "/signup"'],
    ["ne", ne("http.cookie", ""), 'http.cookie ne ""'],
    ["contains on lower()", contains(lower(PATH), "/.env"), 'lower(http.request.uri.path) contains "/.env"'],
    ["starts_with", startsWith(PATH, "/api/"), 'starts_with(http.request.uri.path, "/api/")'],
    ["ends_with", endsWith(PATH, "/applications"), 'ends_with(http.request.uri.path, "/applications")'],
    ["in", isIn("ip.src.country", ["KP", "IR"]), 'ip.src.country in {"KP" "IR"}'],
    ["in removes duplicates", isIn("http.request.method", ["GET", "HEAD", "GET"]), 'http.request.method in {"GET" "HEAD"}'],
    ["and", and(eq(PATH, "/a"), eq("http.cookie", "")), 'http.request.uri.path eq "/a" and http.cookie eq ""'],
    ["and of one is the item", and(eq(PATH, "/a")), 'http.request.uri.path eq "/a"'],
    ["nested and is flattened", and(eq(PATH, "/a"), and(eq(PATH, "/b"), eq(PATH, "/c"))), 'http.request.uri.path eq "/a" and http.request.uri.path eq "/b" and http.request.uri.path eq "/c"'],
    ["or inside and is parenthesised", and(eq(PATH, "/a"), or(eq(PATH, "/b"), eq(PATH, "/c"))), 'http.request.uri.path eq "/a" and (http.request.uri.path eq "/b" or http.request.uri.path eq "/c")'],
    ["not of a comparison", not(isIn("http.request.method", ["GET"])), 'not http.request.method in {"GET"}'],
    ["not of a group", not(or(eq(PATH, "/a"), eq(PATH, "/b"))), 'not (http.request.uri.path eq "/a" or http.request.uri.path eq "/b")'],
    ["host", eq("http.host", "www.example.fr"), 'http.host eq "www.example.fr"'],
    ["header presence", hasHeader("authorization"), 'any(http.request.headers["authorization"][*] ne "")'],
    ["header absence", not(hasHeader("authorization")), 'not any(http.request.headers["authorization"][*] ne "")'],
  ])("%s", (_name, expr, text) => {
    expect(render(expr)).toBe(text);
  });

  it.each([
    ["plain", "abc", '"abc"'],
    ["double quote", 'a"b', '"a\\"b"'],
    ["backslash", "a\\b", '"a\\\\b"'],
    ["empty", "", '""'],
  ])("quote escapes %s", (_name, value, expected) => {
    expect(quote(value)).toBe(expected);
  });
});

describe("render length limit", () => {
  it("accepts exactly 4,096 characters and refuses 4,097", () => {
    // `http.request.uri.path eq "/` is 26 characters plus the closing quote: pad the value to the limit.
    const prefix = 'http.request.uri.path eq "/'.length + 1;
    const fits = eq(PATH, `/${"a".repeat(MAX_EXPRESSION_LENGTH - prefix)}`);
    expect(render(fits)).toHaveLength(MAX_EXPRESSION_LENGTH);
    const over = eq(PATH, `/${"a".repeat(MAX_EXPRESSION_LENGTH - prefix + 1)}`);
    expect(() => render(over)).toThrow(/4097 characters long; Cloudflare accepts at most 4096/);
  });
});

describe("validation of fields and values", () => {
  it.each([
    ["ip.geoip.country", /ip.geoip.country is deprecated: use the ip.src.\* fields/],
    ["ip.geoip.asnum", /is deprecated/],
    ["cf.threat_score", /cf.threat_score is deprecated and always 0/],
    ["http.request.uri.paht", /unknown field http.request.uri.paht: known fields are/],
    ["http.user_agent", /unknown field/],
  ])("field %s is refused", (name, message) => {
    expect(() => field(name as Field)).toThrow(message);
    expect(() => checkField(name)).toThrow(ExpressionError);
  });

  it.each<[string, () => Expr, RegExp]>([
    ["a country that is not ISO", () => isIn("ip.src.country", ["KP", "XX"]), /"XX" for ip.src.country must be an ISO 3166-1 alpha-2 code/],
    ["a lower-case country", () => eq("ip.src.country", "kp"), /must be an ISO 3166-1 alpha-2 code/],
    ["an unknown method", () => eq("http.request.method", "get"), /for http.request.method must be one of GET, HEAD/],
    ["a path prefix without a slash", () => startsWith(PATH, "admin"), /must start with \//],
    ["a path with a space", () => contains(PATH, "/a b"), /must not contain spaces/],
    ["upper case against lower()", () => startsWith(lower(PATH), "/Admin"), /has upper-case letters: it could never match/],
    ["a control character", () => eq(PATH, "/a\nb"), /must be printable ASCII/],
    ["non-ASCII", () => eq(PATH, "/é"), /must be printable ASCII/],
    ["a bad host", () => eq("http.host", "WWW.example.fr"), /must be a lower-case host name/],
    ["an empty in list", () => isIn("ip.src.country", []), /must not be empty/],
    ["an empty and", () => and(), /needs at least one operand/],
    ["an upper-case header name", () => hasHeader("Authorization"), /header name "Authorization" must be lower-case/],
    ["a header name with a quote", () => hasHeader('a"b'), /must be lower-case letters, digits and dashes/],
  ])("refuses %s", (_name, build, message) => {
    expect(build).toThrow(message);
  });

  it("re-validates at render time (values changed after building)", () => {
    const e = isIn("ip.src.country", ["KP"]) as { op: "in"; values: string[] } & Expr;
    e.values.push("ZZ");
    expect(() => render(e)).toThrow(/"ZZ" for ip.src.country/);
  });
});

describe("parse", () => {
  const samples: Expr[] = [
    always,
    eq(PATH, "/signup"),
    and(isIn("http.request.method", ["GET", "HEAD"]), eq("http.cookie", ""), not(startsWith(PATH, "/assets/"))),
    or(startsWith(lower(PATH), "/admin"), startsWith(lower(PATH), "/api/admin")),
    and(startsWith(PATH, "/api/"), not(or(eq(PATH, "/api/missions"), and(startsWith(PATH, "/api/missions/"), not(endsWith(PATH, "/applications")))))),
    not(isIn("http.request.method", ["GET", "HEAD"])),
    eq(PATH, '/quote"and\\backslash'),
    ne("http.host", "www.example.fr"),
    and(eq("http.cookie", ""), not(hasHeader("authorization"))),
  ];

  it.each(samples.map((s) => [render(s), s] as const))("round-trips %s", (text, expr) => {
    expect(parse(text)).toEqual(expr);
  });

  it.each([
    ['ip.geoip.country eq "KP"', /deprecated/],
    ['cf.threat_score gt "10"', /deprecated/],
    ['http.request.uri.path matches "^/a"', /unsupported operator matches/],
    ['ip.src.country in {"KP" "FRA"}', /ISO 3166-1/],
    ['http.request.uri.path eq "/a', /unterminated string/],
    ['http.request.uri.path eq "/a" and', /expected a field/],
    ['(http.request.uri.path eq "/a"', /expected "\)"/],
    ['http.request.uri.path eq "/a" http.cookie eq ""', /trailing input/],
    ['http.request.uri.path eq "\\n"', /unsupported escape/],
    ["http.request.uri.path eq 1", /unexpected character/],
    ['any(http.request.uri.args["a"][*] ne "")', /any\(\) is only supported over http.request.headers/],
    ['any(http.request.headers["authorization"][*] eq "x")', /expected ne ""/],
    ['any(http.request.headers["Authorization"][*] ne "")', /must be lower-case/],
    [`http.request.uri.path eq "/${"a".repeat(MAX_EXPRESSION_LENGTH)}"`, /Cloudflare accepts at most 4096/],
  ])("refuses %s", (text, message) => {
    expect(() => parse(text)).toThrow(message);
  });

  it("follows the Rules language precedence: not, then and, then or", () => {
    const text = 'http.cookie eq "" or not http.cookie eq "x" and http.host eq "a.fr"';
    expect(parse(text)).toEqual(or(eq("http.cookie", ""), and(not(eq("http.cookie", "x")), eq("http.host", "a.fr"))));
  });
});

describe("evaluate", () => {
  const get = { method: "GET", path: "/Missions/42", cookie: "", host: "www.example.fr", country: "FR", headers: { accept: "text/html" } };
  it.each<[string, Expr, boolean]>([
    ["true", always, true],
    ["eq is case-sensitive", eq(PATH, "/missions/42"), false],
    ["lower() folds case", eq(lower(PATH), "/missions/42"), true],
    ["ne", ne("http.cookie", ""), false],
    ["contains", contains(PATH, "ions/4"), true],
    ["starts_with", startsWith(PATH, "/Missions/"), true],
    ["ends_with", endsWith(PATH, "/42"), true],
    ["in", isIn("ip.src.country", ["KP", "FR"]), true],
    ["not in", not(isIn("ip.src.country", ["KP"])), true],
    ["and short of one", and(eq("http.request.method", "GET"), eq("http.cookie", "a=b")), false],
    ["or with one", or(eq("http.request.method", "POST"), eq("http.host", "www.example.fr")), true],
    ["a header that is absent", hasHeader("authorization"), false],
    ["a header that is present", hasHeader("accept"), true],
  ])("%s", (_name, expr, expected) => {
    expect(evaluate(expr, get)).toBe(expected);
    expect(matches(render(expr), get)).toBe(expected);
  });

  it("reads a missing cookie as the empty string", () => {
    expect(matches('http.cookie eq ""', { method: "GET", path: "/" })).toBe(true);
  });
});
