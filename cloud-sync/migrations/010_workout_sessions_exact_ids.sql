-- 010: session_id and device_id compared exactly. Inputs: workout_sessions with 003's columns.
-- Result: both columns utf8mb4_bin whatever the table's default: on the original backend's own
-- workout_sessions (its server's default collation, e.g. utf8mb4_general_ci) 003 gave them a
-- case-insensitive collation, under which two mirrors' ids differing only in case would collide
-- in the UNIQUE key while Firestore keeps both. On our own table (utf8mb4_bin) nothing changes.
ALTER TABLE workout_sessions
  MODIFY COLUMN session_id CHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  MODIFY COLUMN device_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;
