/**
 * The vendored data exists once, here: a second copy in the program or the policy pack would drift (the
 * origin lock built from one list, the gate checking against another). Test files and fixtures may quote a
 * few ranges; a source file holding most of the list, or a JSON file of SPF records, is a copy.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { cloudflareRanges } from "./cloudflare-ranges";
import { COUNTRIES } from "./country-codes";

const root = join(__dirname, "..");
const AREAS = ["stacks", "components", "policies", "tools"];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "testing" ? [] : sources(path);
    return /\.(ts|json)$/.test(e.name) && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

const files = AREAS.flatMap((a) => sources(join(root, a))).map((path) => ({ path: relative(root, path), text: readFileSync(path, "utf8") }));

describe("one source for vendored data (data/)", () => {
  it("finds the program's and the policy pack's sources", () => {
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(["components/origin/index.ts", "policies/rules/origin/scw-lb-origin-lock.ts"]));
  });

  it("no other source file lists Cloudflare's ranges (data/cloudflare-ips.json is the list)", () => {
    const ranges = cloudflareRanges();
    const copies = files.filter((f) => ranges.filter((r) => f.text.includes(`"${r}"`)).length >= 5).map((f) => f.path);
    expect(copies).toEqual([]);
  });

  it("no other source file lists the country codes (data/countries.json is the list)", () => {
    const iso = new Set(COUNTRIES.iso3166Alpha2);
    // quoted ("RU", 'RU') or bare in a space-separated string: either way most of the 249 codes
    const copies = files.filter((f) => new Set((f.text.match(/\b[A-Z]{2}\b/g) ?? []).filter((c) => iso.has(c))).size >= 100).map((f) => f.path);
    expect(copies).toEqual([]);
  });

  it("no other source file lists France and its territories (data/countries.json, frenchTerritories)", () => {
    const french = Object.keys(COUNTRIES.frenchTerritories);
    const copies = files.filter((f) => french.filter((c) => new RegExp(`["'\`]${c}["'\`]`).test(f.text)).length >= 8).map((f) => f.path);
    expect(copies).toEqual([]);
  });

  it("the program and the policy pack both read data/country-codes.ts", () => {
    const readers = files.filter((f) => /from "(\.\.\/)+data\/country-codes"/.test(f.text)).map((f) => f.path);
    expect(readers).toEqual(expect.arrayContaining(["components/edge/countries.ts", "policies/lib/cf-expr.ts", "policies/rules/edge/cf-geo-ban.ts"]));
  });

  it("no other JSON file holds SPF records (data/spf/<provider>.json are the chains)", () => {
    const copies = files.filter((f) => f.path.endsWith(".json") && /"v=spf1[ "]/.test(f.text)).map((f) => f.path);
    expect(copies).toEqual([]);
  });
});
