import pg from "pg";

/**
 * Activation of the campaign's volunteers through SQL on the target's database (double opt-in: only an
 * active volunteer may apply). The campaign's generated addresses never receive mail, so the harness
 * does what following the link does to the row, outside the measured traffic: set activated_at.
 * Enabled by LOADTEST_ACTIVATION_DATABASE_URL (a role that may UPDATE volunteers, e.g. the app's) and
 * LOADTEST_DATABASE_SCHEMA (default renfort, the app's DATABASE_SCHEMA).
 */
export function sqlActivation(url: string, schema = "renfort"): { activate: (emails: string[]) => Promise<void>; close: () => Promise<void> } {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`LOADTEST_DATABASE_SCHEMA must be a lower-case PostgreSQL identifier, e.g. renfort, got ${JSON.stringify(schema)}`);
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  pool.on("error", () => undefined);
  return {
    activate: async (emails) => {
      await pool.query(`UPDATE volunteers SET activated_at = now(), status = 'active' WHERE lower(email) = ANY($1::text[]) AND activated_at IS NULL`, [emails.map((e) => e.toLowerCase())]);
    },
    close: () => pool.end(),
  };
}
