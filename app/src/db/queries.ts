/**
 * Every SQL statement of the HTTP service, in one place. The hot paths run as named statements
 * (parsed once per connection, see plugins/db.ts); each name is stable.
 */

/**
 * Signup: one statement, hence one short transaction, two inserts. ON CONFLICT on the unique
 * lower(email) index turns a concurrent duplicate into "no row" instead of an error: the loser waits
 * for the winner's commit and then inserts nothing (the outbox insert selects from the empty CTE).
 */
export const SIGNUP_SQL = `WITH v AS (
  INSERT INTO volunteers (email, first_name, last_name, zip, phone, birthdate)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT ((lower(email))) DO NOTHING
  RETURNING id, email, first_name
)
INSERT INTO email_outbox (kind, recipient, volunteer_id, payload)
SELECT 'volunteer_welcome', v.email, v.id, jsonb_build_object('firstName', v.first_name) FROM v
RETURNING volunteer_id`;

export const MISSION_SQL = `SELECT m.id::text AS id, m.title, m.description, m.zip, m.department, m.city, m.places,
  m.places_taken AS "placesTaken", o.name AS "organizationName"
FROM missions m JOIN organizations o ON o.id = m.organization_id WHERE m.id = $1`;

const LIST_COLUMNS = `m.id::text AS id, m.title, m.description, m.zip, m.department, m.city, m.places,
  m.places_taken AS "placesTaken", o.name AS "organizationName"`;

export function listMissionsQuery(f: { zip?: string; department?: string }): { name: string; text: string; values: string[] } {
  const base = `SELECT ${LIST_COLUMNS} FROM missions m JOIN organizations o ON o.id = m.organization_id`;
  if (f.zip !== undefined) return { name: "missions-by-zip", text: `${base} WHERE m.zip = $1 ORDER BY m.id DESC LIMIT 50`, values: [f.zip] };
  if (f.department !== undefined)
    return { name: "missions-by-dept", text: `${base} WHERE m.department = $1 ORDER BY m.id DESC LIMIT 50`, values: [f.department] };
  return { name: "missions-all", text: `${base} ORDER BY m.id DESC LIMIT 50`, values: [] };
}

export const MISSION_EXISTS_SQL = `SELECT 1 FROM missions WHERE id = $1`;
export const VOLUNTEER_BY_EMAIL_SQL = `SELECT id FROM volunteers WHERE lower(email) = lower($1)`;
export const APPLY_INSERT_SQL = `INSERT INTO applications (mission_id, volunteer_id) VALUES ($1, $2)
ON CONFLICT (volunteer_id, mission_id) DO NOTHING RETURNING id::text AS id`;
/** The guard against overselling: the row lock serializes applicants and WHERE is re-checked after the wait. */
export const TAKE_PLACE_SQL = `UPDATE missions SET places_taken = places_taken + 1
WHERE id = $1 AND places_taken < places RETURNING places - places_taken AS "placesLeft"`;

export const ORGANIZATION_INSERT_SQL = `INSERT INTO organizations (name, email, zip) VALUES ($1, $2, $3) ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`;
export const ORGANIZATION_EXISTS_SQL = `SELECT 1 FROM organizations WHERE id = $1`;
/** A validated organization whose bearer token hashes to $1. */
export const ORGANIZATION_BY_TOKEN_SQL = `SELECT 1 FROM organizations WHERE token_hash = $1 AND id = $2 AND status = 'validated'`;
export const VALIDATE_ORGANIZATION_SQL = `UPDATE organizations SET status = 'validated', token_hash = $2, validated_at = now()
           WHERE id = $1 AND status = 'pending' RETURNING id, email, name`;
/** The organization's token travels only in this outbox row, which the worker scrubs once the mail is sent. */
export const ORGANIZATION_VALIDATED_MAIL_SQL = `INSERT INTO email_outbox (kind, recipient, organization_id, payload) VALUES ('organization_validated', $1, $2, $3)`;
export const MISSION_INSERT_SQL = `INSERT INTO missions (organization_id, title, description, zip, department, city, places)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`;
