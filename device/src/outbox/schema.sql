-- Outbox schema, version 1.
-- Inputs: none. Result: three tables, created when missing.
--   outbox      sessions the gateway has not yet taken (state 'pending' or 'unpaired')
--   quarantine  sessions the gateway rejected, with its reason (never retried; shown in the UI)
--   history     every finished session with its sync state, for the mirror UI's history
-- A session lives in `outbox` until `sessions/ack` says queued/stored; `history` is pruned by
-- age and count only (README.md, "Disk policy").
CREATE TABLE IF NOT EXISTS outbox (
  session_id      TEXT PRIMARY KEY,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'unpaired')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  last_attempt_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_by_age ON outbox (created_at);

CREATE TABLE IF NOT EXISTS quarantine (
  session_id     TEXT PRIMARY KEY,
  payload        TEXT NOT NULL,
  reason         TEXT NOT NULL,
  quarantined_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_by_age ON quarantine (quarantined_at);

CREATE TABLE IF NOT EXISTS history (
  session_id    TEXT PRIMARY KEY,
  started_at    TEXT NOT NULL,
  exercise      TEXT NOT NULL,
  reps          INTEGER NOT NULL,
  accuracy      REAL NOT NULL,
  duration      REAL NOT NULL,
  payload       TEXT NOT NULL,
  sync          TEXT NOT NULL CHECK (sync IN ('pending', 'unpaired', 'synced', 'rejected')),
  feedback      TEXT,
  finished_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS history_by_start ON history (started_at);

CREATE TABLE IF NOT EXISTS counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
