/**
 * The program and the policy pack read Cloudflare geo-ban expressions with parsers of their own, on
 * purpose: the program's (components/edge/expressions.ts) parses and evaluates exactly the subset it
 * writes; the pack's (policies/lib/cf-expr.ts + `cf-geo-ban`) judges any hand-written rule and fails
 * closed on what it cannot classify. This test feeds both the same expressions and checks that they
 * agree where they must, and that every disagreement is one listed here on purpose.
 */
import { customWafRules } from "../components/edge/rules";
import { evaluate, ExpressionError, parse, render } from "../components/edge/expressions";
import { cfGeoBan } from "../policies/rules/edge/cf-geo-ban";
import { check } from "../policies/testing/check";
import { fx, mutate } from "../policies/testing/fixtures";
import { COUNTRIES } from "./country-codes";

const FRENCH = Object.keys(COUNTRIES.frenchTerritories);
/** Every value the country field can hold, and the reserved French codes. */
const ALL = [...new Set([...COUNTRIES.iso3166Alpha2, ...Object.keys(COUNTRIES.cloudflareNonIso), ...FRENCH])];

type ProgramVerdict = "refused" | "bans-france" | "accepted";

/** The program: parse, then evaluate the expression for a visitor from each country. */
function program(expression: string): ProgramVerdict {
  let e;
  try {
    e = parse(expression);
  } catch (err) {
    if (err instanceof ExpressionError) return "refused";
    throw err;
  }
  const banned = ALL.filter((country) => evaluate(e, { method: "GET", path: "/", country }));
  return banned.some((c) => FRENCH.includes(c)) ? "bans-france" : "accepted";
}

/** The pack: cf-geo-ban on a custom WAF ruleset holding the expression as a blocking rule. */
async function pack(expression: string): Promise<"pass" | "violation"> {
  const out = await check(cfGeoBan, mutate(fx.wafCustom(), "rules.0.expression", expression));
  return out.length === 0 ? "pass" : "violation";
}

// What the program writes for the geo bans it can be configured with, first of all.
const written = customWafRules(["KP", "RU", "BY", "IR"], ["/admin"])
  .filter((r) => r.ref.startsWith("geo_ban_"))
  .map((r) => render(r.expression));

const cases: [string, ProgramVerdict, "pass" | "violation"][] = [
  ...written.map((e): [string, ProgramVerdict, "pass" | "violation"] => [e, "accepted", "pass"]),
  ['ip.src.country in {"KP" "RU"}', "accepted", "pass"],
  ['ip.src.country eq "KP"', "accepted", "pass"],
  ['(ip.src.country in {"KP"}) and http.request.method eq "POST"', "accepted", "pass"],
  // France or a territory, in every form either side reads
  ['ip.src.country in {"RU" "FR"}', "bans-france", "violation"],
  ['ip.src.country eq "RE"', "bans-france", "violation"],
  ['ip.src.country eq "GP"', "bans-france", "violation"],
  // reserved French codes: the program refuses them as values, the pack as protected countries
  ['ip.src.country in {"FX"}', "refused", "violation"],
  ['ip.src.country eq "CP"', "refused", "violation"],
  // negations ban France (the program's evaluator proves it; the pack refuses them outright)
  ['not ip.src.country in {"DE"}', "bans-france", "violation"],
  ['ip.src.country ne "BE"', "bans-france", "violation"],
  ['not (http.request.method eq "POST" and ip.src.country in {"RU"})', "bans-france", "violation"],
  // forms the program's subset refuses and the pack fails closed on
  ['lower(ip.src.country) eq "ru"', "refused", "violation"],
  ['ip.src.country matches "^R"', "refused", "violation"],
  ['ip.src.country wildcard "R*"', "refused", "violation"],
  ["ip.src.country in $banned", "refused", "violation"],
  ['ip.src.country in {"RUS"}', "refused", "violation"],
  // Deliberate differences, each safe in the pack's direction or limited to what the program never writes:
  // the program's subset has `contains` (it writes it for paths); on a two-letter country it behaves as
  // `eq`, but the pack cannot know the operand is two letters long in general and fails closed.
  ['ip.src.country contains "RU"', "accepted", "violation"],
  // a negation that leaves every French territory matched out bans no French visitor, but the pack
  // refuses negations on the country as a rule (one reviewable form: positive lists).
  [`not ip.src.country in {${FRENCH.map((c) => `"${c}"`).join(" ")}}`, "refused", "violation"],
  // Cloudflare's non-ISO values: the program's config refuses them (Renfort bans countries, not Tor or
  // "unknown"); a hand-written rule on them is a valid ban the pack accepts.
  ['ip.src.country in {"T1"}', "refused", "pass"],
];

describe("geo bans: the program's parser and the pack's agree", () => {
  it("covers what the program writes", () => {
    expect(written).toEqual(['ip.src.country in {"KP"}', 'ip.src.country in {"RU"}', 'ip.src.country in {"BY"}', 'ip.src.country in {"IR"}']);
  });

  it.each(cases)("%s: program %s, pack %s", async (expression, expectedProgram, expectedPack) => {
    expect({ program: program(expression), pack: await pack(expression) }).toEqual({ program: expectedProgram, pack: expectedPack });
  });

  it("never has the pack pass an expression whose evaluation bans a French territory", async () => {
    const bansFrance = cases.filter(([e]) => program(e) === "bans-france");
    expect(bansFrance.length).toBeGreaterThan(0);
    for (const [e] of bansFrance) expect({ e, pack: await pack(e) }).toEqual({ e, pack: "violation" });
  });
});
