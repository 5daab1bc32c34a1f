/**
 * Every SQL statement of the HTTP service, in one place. The hot paths run as named statements
 * (parsed once per connection, see plugins/db.ts); each name is stable.
 */

/**
 * Signup of an address not registered yet (volunteer-flow.ts `signUp`), in one statement: the volunteer
 * (pending), its confirmation token's hash and the confirmation mail, one round trip and one commit. Every
 * data-modifying WITH runs to completion whether the main query reads it or not
 * (https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING). No row when the
 * address is there (or a concurrent signup of it committed first): the caller then takes the transaction
 * below, which reads and locks that row. Parameters are cast: in INSERT ... SELECT they are not typed by
 * the target columns.
 */
export const SIGNUP_NEW_SQL = `WITH v AS (
  INSERT INTO volunteers (email, first_name, last_name, zip, phone, birthdate, activated_at)
  VALUES ($1, $2, $3, $4, $5, $6, NULL)
  ON CONFLICT ((lower(email))) DO NOTHING
  RETURNING id, email
), confirmation AS (
  INSERT INTO volunteer_confirmations (volunteer_id, token_hash) SELECT id, $7::bytea FROM v
)
INSERT INTO email_outbox (kind, recipient, volunteer_id, payload)
SELECT $8::text, email, id, $9::jsonb FROM v
RETURNING volunteer_id`;

/**
 * Signup of an address already there, one short transaction. The insert names activated_at (NULL:
 * pending until the mailed link is followed). ON CONFLICT on the unique lower(email) index turns an
 * address already there (or a concurrent duplicate, once its winner commits) into "no row", and the
 * row that is there is then read and locked.
 */
export const SIGNUP_INSERT_SQL = `INSERT INTO volunteers (email, first_name, last_name, zip, phone, birthdate, activated_at)
VALUES ($1, $2, $3, $4, $5, $6, NULL)
ON CONFLICT ((lower(email))) DO NOTHING
RETURNING id, email, first_name, activated_at`;
export const SIGNUP_EXISTING_SQL = `SELECT id, email, first_name, activated_at FROM volunteers WHERE lower(email) = lower($1) FOR UPDATE`;
export const CONFIRMATION_INSERT_SQL = `INSERT INTO volunteer_confirmations (volunteer_id, token_hash) VALUES ($1, $2)`;
/** The mail of a signup: payload { firstName, token? }; the worker renders the first name only as a letters-only greeting (outbox.ts). */
export const SIGNUP_MAIL_SQL = `INSERT INTO email_outbox (kind, recipient, volunteer_id, payload) VALUES ($1, $2, $3, $4)`;

/** Uses an unused, unexpired token: its volunteer, or no row. */
export const CONFIRMATION_USE_SQL = `UPDATE volunteer_confirmations SET used_at = now()
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING volunteer_id`;
/** Why a token could not be used: unknown (no row), used, or expired. */
export const CONFIRMATION_STATE_SQL = `SELECT used_at IS NOT NULL AS used FROM volunteer_confirmations WHERE token_hash = $1`;
export const VOLUNTEER_ACTIVATE_SQL = `UPDATE volunteers SET activated_at = coalesce(activated_at, now()), status = 'active' WHERE id = $1`;

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
/** An active volunteer only: a pending one (address not confirmed) is answered as unknown. */
export const VOLUNTEER_BY_EMAIL_SQL = `SELECT id FROM volunteers WHERE lower(email) = lower($1) AND activated_at IS NOT NULL`;
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
