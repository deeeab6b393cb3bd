-- 001: user_health_profiles, one row per person (Firebase Auth uid).
-- Inputs: none. Result: table user_health_profiles; workout_sessions and device_bindings point
-- at userId with ON DELETE CASCADE, so deleting a profile deletes the person's data.
-- utf8mb4_bin: Firebase uids are case-sensitive, and ISO timestamps compare as plain text.
CREATE TABLE IF NOT EXISTS user_health_profiles (
  userId VARCHAR(255) NOT NULL PRIMARY KEY,
  displayName VARCHAR(255) NULL,
  timeZone VARCHAR(64) NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
