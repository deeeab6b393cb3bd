-- 007: tombstones of deleted sessions. Inputs: none (no FK: a tombstone outlives the person's
-- profile and rows). Result: session_tombstones, one row per session deleted by its owner, so a
-- mirror's late retry of it is refused instead of storing it again, and reconcile deletes a copy
-- a store still holds instead of copying it back.
CREATE TABLE IF NOT EXISTS session_tombstones (
  session_id VARCHAR(100) NOT NULL PRIMARY KEY,
  user_id VARCHAR(255) NOT NULL,
  deleted_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  INDEX idx_session_tombstones_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
