-- 003: idempotency key and origin for workout_sessions, and the index the reads use.
-- Inputs: workout_sessions (002). Result: session_id (the device's UUID, unique, NULL on rows
-- the original backend wrote), device_id, and an index for "this person's sessions in a range,
-- newest first". One statement, so it is applied whole or not at all.
ALTER TABLE workout_sessions
  ADD COLUMN session_id CHAR(36) NULL UNIQUE,
  ADD COLUMN device_id VARCHAR(64) NULL,
  ADD INDEX idx_workout_sessions_user_time (user_id, `timestamp`);
