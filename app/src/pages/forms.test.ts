import { SIGNUP_FIELDS, frenchErrors, keptValues, normalizeFormBody, renderField } from "./forms";

describe("normalizeFormBody", () => {
  test.each([
    ["trims every string", { email: " a@b.fr ", zip: "75011 " }, { email: "a@b.fr", zip: "75011" }],
    ["drops empty optional fields", { email: "a@b.fr", phone: "  ", birthdate: "" }, { email: "a@b.fr" }],
    ["keeps empty required fields (the schema names them)", { firstName: " " }, { firstName: "" }],
    ["keeps a repeated field as sent (the schema rejects it)", { email: ["a@b.fr", "c@d.fr"] }, { email: ["a@b.fr", "c@d.fr"] }],
    ["keeps unknown fields (the schema rejects them)", { admin: "1" }, { admin: "1" }],
    ["a body that is not an object becomes empty", "email=x", {}],
    ["an array becomes empty", [1, 2], {}],
  ])("%s", (_name, body, expected) => {
    expect(normalizeFormBody(SIGNUP_FIELDS, body)).toEqual(expected);
  });
});

describe("frenchErrors", () => {
  test.each([
    ["one field", { email: "must match pattern" }, ["email"], "Le formulaire contient une erreur : corrigez le champ signalé puis envoyez-le de nouveau."],
    ["two fields", { zip: "x", lastName: "y" }, ["zip", "lastName"], "Le formulaire contient 2 erreurs : corrigez les champs signalés puis envoyez-le de nouveau."],
    ["an unknown field only", { admin: "is not allowed" }, [], "Le formulaire envoyé n’est pas celui de cette page : rechargez la page puis recommencez."],
  ])("%s", (_name, problems, fields, message) => {
    const r = frenchErrors(SIGNUP_FIELDS, problems);
    expect(Object.keys(r.errors)).toEqual(fields);
    for (const f of fields) expect(r.errors[f]).toBe(SIGNUP_FIELDS.find((s) => s.name === f)!.error);
    expect(r.message).toBe(message);
  });

  test("no problem, no message", () => {
    expect(frenchErrors(SIGNUP_FIELDS, {})).toEqual({ errors: {} });
  });
});

describe("renderField", () => {
  const email = SIGNUP_FIELDS[0]!;

  test("a wrong field: aria-invalid, its message in the element aria-describedby names, the value escaped", () => {
    const html = renderField(email, { values: { email: `"><script>x</script>` }, errors: { email: email.error } });
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('aria-describedby="email-hint email-messages"');
    expect(html).toMatch(/id="email-messages"[^>]*><p class="fr-message fr-message--error" id="email-error">/);
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(html).not.toContain("<script>");
  });

  test("a right field: no error state, the label tied to the input", () => {
    const html = renderField(email, { values: {}, errors: {} });
    expect(html).not.toContain("aria-invalid");
    expect(html).not.toContain("fr-input-group--error");
    expect(html).toContain('<label class="fr-label" for="email">');
    expect(html).toContain('id="email" name="email" type="email" required');
  });
});

test("keptValues: strings of known fields only", () => {
  expect(keptValues(SIGNUP_FIELDS, { email: "a@b.fr", zip: ["1"], admin: "x" })).toEqual({ email: "a@b.fr" });
});
