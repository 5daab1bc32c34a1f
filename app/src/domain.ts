/** Pure rules of the domain and of the HTTP error contract. */

/**
 * The département of a French postcode: the first two digits, except Corsica (20xxx: 2A for
 * 200xx-201xx, 2B above) and the overseas départements (97x/98x use three digits).
 * https://fr.wikipedia.org/wiki/Code_postal_en_France
 */
export function departmentFromZip(zip: string): string | undefined {
  if (!/^\d{5}$/.test(zip)) return undefined;
  if (zip === "00000") return undefined;
  if (zip.startsWith("20")) return Number(zip.slice(2, 3)) <= 1 ? "2A" : "2B";
  if (zip.startsWith("97") || zip.startsWith("98")) return zip.slice(0, 3);
  return zip.slice(0, 2);
}

/** Accepted spellings of a département filter: 01-95, 2A/2B, 971-989. */
export function normalizeDepartment(input: string): string | undefined {
  const d = input.trim().toUpperCase();
  if (/^(0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5])$/.test(d)) return d;
  if (d === "2A" || d === "2B") return d;
  if (/^9[78]\d$/.test(d)) return d;
  return undefined;
}

/** A calendar date YYYY-MM-DD that exists, between 1900-01-01 and `today`. */
export function checkBirthdate(value: string, today: Date): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return "must be a date YYYY-MM-DD";
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return "must be a real calendar date";
  if (y < 1900) return "must be after 1900-01-01";
  if (date.getTime() > today.getTime()) return "must not be in the future";
  return undefined;
}

/** The subset of an ajv error object fastify hands to the error handler. */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * Turns schema errors into `{ field: message }`, one message per field (the first), naming
 * missing, unknown and malformed fields; errors about the body as a whole go under "body".
 */
export function fieldsFromSchemaErrors(errors: readonly SchemaError[], root = "body"): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const e of errors) {
    let field: string;
    let message: string;
    const path = e.instancePath.replace(/^\//, "").split("/")[0] ?? "";
    switch (e.keyword) {
      case "required":
        field = String(e.params.missingProperty);
        message = "is required";
        break;
      case "additionalProperties":
        field = String(e.params.additionalProperty);
        message = "is not allowed";
        break;
      case "type":
        field = path || root;
        message = path ? `must be a ${String(e.params.type)}` : "must be a JSON object";
        break;
      case "maxLength":
        field = path || root;
        message = `must be at most ${String(e.params.limit)} characters`;
        break;
      case "minLength":
        field = path || root;
        message = Number(e.params.limit) <= 1 ? "must not be empty" : `must be at least ${String(e.params.limit)} characters`;
        break;
      case "minimum":
      case "maximum":
        field = path || root;
        message = `must be ${e.keyword === "minimum" ? ">=" : "<="} ${String(e.params.limit)}`;
        break;
      case "pattern":
      case "format":
        field = path || root;
        message = "has an invalid format";
        break;
      default:
        field = path || root;
        message = e.message ?? "is invalid";
    }
    if (!(field in fields)) fields[field] = message;
  }
  return fields;
}
