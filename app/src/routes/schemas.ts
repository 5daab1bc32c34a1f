/**
 * Field schemas shared by the routes' request schemas (ajv, without type coercion: a number where a
 * string is expected is a 400). Each route keeps its own body schema beside its handler.
 */

const TEXT = String.raw`^(?=[\s\S]*\S)[^\u0000-\u001f\u007f]*$`;
const EMAIL_CHAR = String.raw`[^\s@<>()[\],;:"\\\u0000-\u001f\u007f.]`;
const EMAIL = `^(?:${EMAIL_CHAR}+\\.)*${EMAIL_CHAR}+@(?:${EMAIL_CHAR}+\\.)+${EMAIL_CHAR}+$`;

/** no control character at all */
export const NO_CONTROL = String.raw`^[^\u0000-\u001f\u007f]*$`;
/** not blank; tab, line feed and carriage return allowed */
export const LONG_TEXT = String.raw`^(?=[\s\S]*\S)[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$`;

export const emailSchema = { type: "string", maxLength: 254, pattern: EMAIL } as const;
export const textSchema = (max: number) => ({ type: "string", minLength: 1, maxLength: max, pattern: TEXT }) as const;
export const zipSchema = { type: "string", pattern: "^[0-9]{5}$" } as const;

/** `:id` of a mission: a positive bigint, or undefined (answered as not found). */
export function missionIdParam(raw: string): string | undefined {
  return /^[1-9][0-9]{0,14}$/.test(raw) ? raw : undefined;
}
