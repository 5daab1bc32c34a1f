-- Up Migration
--
-- Renfort's first schema. Rules every migration here follows:
-- * no GRANT and no role names: the platform gives the app role DML through
--   ALTER DEFAULT PRIVILEGES FOR ROLE <migrator>, so whoever owns the schema owns these tables;
-- * nothing that needs a superuser (no CREATE EXTENSION: gen_random_uuid() is core since PG 13);
-- * every foreign key has an index whose leading column is the key (PostgreSQL does not create one),
--   and every hot-path lookup has an index, so signup cost stays flat as the tables grow.

CREATE TABLE organizations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL,
  email         text NOT NULL,
  zip           text NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'validated')),
  -- sha256 of the bearer token mailed at validation; the token itself is never stored
  token_hash    bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  validated_at  timestamptz
);
CREATE UNIQUE INDEX organizations_email_lower_key ON organizations (lower(email));
CREATE UNIQUE INDEX organizations_token_hash_key ON organizations (token_hash);

CREATE TABLE volunteers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email       text NOT NULL,
  first_name  text NOT NULL,
  last_name   text NOT NULL,
  zip         text NOT NULL,
  phone       text,
  birthdate   date,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- emails compare case-insensitively, and this index is what makes concurrent duplicates a 409
CREATE UNIQUE INDEX volunteers_email_lower_key ON volunteers (lower(email));

CREATE TABLE missions (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id  uuid NOT NULL REFERENCES organizations (id),
  title            text NOT NULL,
  description      text NOT NULL,
  zip              text NOT NULL,
  department       text NOT NULL,
  city             text,
  places           integer NOT NULL CHECK (places > 0),
  -- the CHECK is the last line of defence against overselling; the app's conditional UPDATE is the first
  places_taken     integer NOT NULL DEFAULT 0 CHECK (places_taken >= 0 AND places_taken <= places),
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX missions_organization_id_idx ON missions (organization_id);
CREATE INDEX missions_department_id_idx ON missions (department, id DESC);
CREATE INDEX missions_zip_id_idx ON missions (zip, id DESC);

CREATE TABLE applications (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  mission_id    bigint NOT NULL REFERENCES missions (id),
  volunteer_id  uuid NOT NULL REFERENCES volunteers (id),
  created_at    timestamptz NOT NULL DEFAULT now()
);
-- one application per volunteer and mission; also the index of the volunteer_id foreign key
CREATE UNIQUE INDEX applications_volunteer_mission_key ON applications (volunteer_id, mission_id);
CREATE INDEX applications_mission_id_idx ON applications (mission_id);

CREATE TABLE email_outbox (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind             text NOT NULL,
  recipient        text NOT NULL,
  volunteer_id     uuid REFERENCES volunteers (id),
  organization_id  uuid REFERENCES organizations (id),
  -- template data; scrubbed to '{}' once sent (it may carry an organization's token)
  payload          jsonb NOT NULL DEFAULT '{}',
  -- pending -> sending (leased) -> sent | pending (retry with backoff) | failed (gave up)
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  -- when the row is next due: the retry time while pending, the lease expiry while sending
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz
);
CREATE INDEX email_outbox_volunteer_id_idx ON email_outbox (volunteer_id);
CREATE INDEX email_outbox_organization_id_idx ON email_outbox (organization_id);
-- the worker's claim query: due rows only, so sent mail never slows it down
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status IN ('pending', 'sending');

-- Down Migration
DROP TABLE email_outbox;
DROP TABLE applications;
DROP TABLE missions;
DROP TABLE volunteers;
DROP TABLE organizations;
