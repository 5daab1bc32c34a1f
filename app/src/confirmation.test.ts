import { GENERIC_GREETING, activationLink, greeting, hashToken, newToken, parseToken } from "./confirmation";

test.each([
  ["Camille", "Bonjour Camille,"],
  ["  Jean-Pierre ", "Bonjour Jean-Pierre,"],
  ["Zoé", "Bonjour Zoé,"],
  ["D'Artagnan", "Bonjour D'Artagnan,"],
  ["Marie Anne Sophie", "Bonjour Marie Anne Sophie,"],
  ["Анна", "Bonjour Анна,"],
  ["Marie Anne Sophie Lou", GENERIC_GREETING],
  ["Ann3", GENERIC_GREETING],
  ["http", "Bonjour http,"],
  ["http://evil.example", GENERIC_GREETING],
  ["evil.example", GENERIC_GREETING],
  ["www evil example com", GENERIC_GREETING],
  ["Ann 😀", GENERIC_GREETING],
  ["A".repeat(41), GENERIC_GREETING],
  ["Ann  Bob", GENERIC_GREETING],
  ["-Ann", GENERIC_GREETING],
  ["Ann\nCliquez", GENERIC_GREETING],
  ["<b>Ann</b>", GENERIC_GREETING],
  ["", GENERIC_GREETING],
  [undefined, GENERIC_GREETING],
])("greeting(%j) is %j", (name, expected) => {
  expect(greeting(name)).toBe(expected);
});

test("tokens: 32 random bytes in base64url, stored as their SHA-256, checked for shape before any lookup", () => {
  const t = newToken();
  expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(newToken()).not.toBe(t);
  expect(hashToken(t)).toHaveLength(32);
  expect(parseToken(t)).toBe(t);
  for (const bad of [t + "A", t.slice(1), `${t.slice(1)}=`, 42, undefined]) expect(parseToken(bad)).toBeUndefined();
});

test("the activation link is PUBLIC_URL's origin, the activation page and the token", () => {
  expect(activationLink("https://renfort.example.org", "abc")).toBe("https://renfort.example.org/signup/activation?jeton=abc");
});
