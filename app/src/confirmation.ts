import { createHash, randomBytes } from "node:crypto";

/**
 * Double opt-in, the parts without I/O: the confirmation token, the link carrying it, and the only
 * piece of visitor input a mail may contain, the greeting.
 *
 * The token is 32 random bytes (256 bits) in base64url; the database keeps only its SHA-256, so a
 * copy of the table activates nobody. The link leads to a page with a button: opening it (as mail
 * scanners do when they prefetch links) activates nothing, only the POST of that page does.
 */

export const TOKEN_BYTES = 32;
/** base64url of 32 bytes: 43 characters of [A-Za-z0-9_-] */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** how long a link works (the migration's default of volunteer_confirmations.expires_at) */
export const TOKEN_TTL_HOURS = 48;
export const ACTIVATION_PATH = "/signup/activation";
export const GENERIC_GREETING = "Bonjour,";

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString("base64url");
}

/** The stored form of a token. */
export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** A well-formed token, or undefined: anything else is answered 400 without touching the database. */
export function parseToken(v: unknown): string | undefined {
  return typeof v === "string" && TOKEN_PATTERN.test(v) ? v : undefined;
}

/** The activation link: PUBLIC_URL (https, no path beyond "/") + the activation page + the token. */
export function activationLink(publicUrl: string, token: string): string {
  const u = new URL(ACTIVATION_PATH, publicUrl);
  u.searchParams.set("jeton", token);
  return u.toString();
}

/**
 * "Bonjour Camille," when the first name typed is a name: Unicode letters, with a hyphen, an
 * apostrophe or a single space only between letters, at most 40 characters and 3 words. Anything else
 * (digits, dots, a URL, an emoji, a long text) gives "Bonjour,": a visitor who types an address's
 * owner as "Cliquez sur evil.example" must not make us mail that text to anyone.
 */
const NAME = /^\p{L}+(?:[-' ’]\p{L}+)*$/u;
export function greeting(firstName: unknown): string {
  if (typeof firstName !== "string") return GENERIC_GREETING;
  const name = firstName.normalize("NFC").trim();
  if (name.length === 0 || name.length > 40 || !NAME.test(name)) return GENERIC_GREETING;
  if (name.split(" ").length > 3) return GENERIC_GREETING;
  return `Bonjour ${name},`;
}
