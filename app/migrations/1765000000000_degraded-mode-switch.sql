-- Up Migration
--
-- The fleet-wide degraded-mode switch (app/src/degraded-mode.ts). Expand only: two new tables, nothing
-- existing changes, so the previous release runs unchanged against this schema. No row is created
-- here: until the first `PUT /api/admin/degraded-mode`, every instance applies its DEGRADED_MODE
-- (renfort:app.degradedMode) default.

-- at most one row (id is always true)
CREATE TABLE degraded_mode (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  enabled     boolean NOT NULL,
  reason      text NOT NULL,
  changed_at  timestamptz NOT NULL,
  -- the instance that received the change
  changed_by  text NOT NULL
);

-- every change, in order: when, why, through which instance
CREATE TABLE degraded_mode_changes (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  enabled     boolean NOT NULL,
  reason      text NOT NULL,
  instance    text NOT NULL,
  changed_at  timestamptz NOT NULL
);

-- Down Migration
DROP TABLE degraded_mode_changes;
DROP TABLE degraded_mode;
