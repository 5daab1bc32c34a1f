-- Up Migration
--
-- Double opt-in: a volunteer is active once they followed the link mailed at signup
-- (src/confirmation.ts, routes/activation.ts). Expand only, so the previous release keeps working:
--
-- * volunteers.activated_at: NULL while the address is unconfirmed. Rows that exist already were
--   signed up before double opt-in and stay active (activated_at = created_at). The column DEFAULT
--   is now() for the rollout: the previous release inserts without naming the column, and its
--   volunteers must keep being able to apply, as they could under that release. This release always
--   names the column (NULL: pending). A later contract migration, shipped once no instance of the
--   previous release runs, drops the default (ALTER TABLE volunteers ALTER COLUMN activated_at DROP
--   DEFAULT) so that nothing but the confirmation link activates a volunteer.
-- * volunteer_confirmations: one row per link mailed. Only the SHA-256 of the 32-byte random token
--   is stored; the token itself travels in the outbox payload, scrubbed once the mail is sent.
-- * email_send_counts: the outbox worker's per-recipient (a day) and per-domain (an hour) counters,
--   so the signup form cannot be used to mail one address or one domain without bound.
--
-- No GRANT here (initial-schema.sql): the app role gets DML through the default privileges.

ALTER TABLE volunteers ADD COLUMN activated_at timestamptz DEFAULT now();
UPDATE volunteers SET activated_at = created_at WHERE activated_at IS NULL;

CREATE TABLE volunteer_confirmations (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  volunteer_id  uuid NOT NULL REFERENCES volunteers (id),
  -- sha256 of the token mailed in the link
  token_hash    bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL DEFAULT now() + interval '48 hours',
  used_at       timestamptz
);
CREATE UNIQUE INDEX volunteer_confirmations_token_hash_key ON volunteer_confirmations (token_hash);
CREATE INDEX volunteer_confirmations_volunteer_id_idx ON volunteer_confirmations (volunteer_id);

-- scope 'recipient' counts per lower(address) and UTC day, 'domain' per lower(domain) and UTC hour
CREATE TABLE email_send_counts (
  scope         text NOT NULL CHECK (scope IN ('recipient', 'domain')),
  key           text NOT NULL,
  window_start  timestamptz NOT NULL,
  sent          integer NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, key, window_start)
);

-- Down Migration
DROP TABLE email_send_counts;
DROP TABLE volunteer_confirmations;
ALTER TABLE volunteers DROP COLUMN activated_at;
