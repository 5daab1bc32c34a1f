import { parseSpf, tagList, txtChunks, txtValue } from "./email";

describe("email parsing", () => {
  test("txt chunks", () => {
    expect(txtChunks('"v=spf1 " "-all"')).toEqual(["v=spf1 ", "-all"]);
    expect(txtValue('"v=spf1 " "-all"')).toBe("v=spf1 -all");
    expect(txtValue("v=DKIM1; p=abc")).toBe("v=DKIM1; p=abc");
  });
  test("spf terms", () => {
    const { terms, errors } = parseSpf("v=spf1 ip4:1.2.3.4 include:_spf.tem.scaleway.com ~all redirect=x.example");
    expect(errors).toEqual([]);
    expect(terms.map((t) => `${t.qualifier}${t.name}`)).toEqual(["+ip4", "+include", "~all", "+redirect"]);
  });
  test("spf errors", () => {
    expect(parseSpf("v=spf1 inclde:x -all").errors).toEqual(['unknown term "inclde:x"']);
  });
  test("tag list", () => {
    expect(tagList("v=DMARC1; p=reject; rua=mailto:a@b.fr").get("p")).toBe("reject");
  });
});
