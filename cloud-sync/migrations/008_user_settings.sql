-- 008: the gateway's own per-person settings (display name, time zone) in their own table.
-- Inputs: user_health_profiles (001, or the original backend's own table of that name, whose
-- columns may differ from ours: then 001 was skipped and only `userId` can be relied on).
-- Result: user_settings, one row per person, removed with their profile; the display names and
-- time zones 001's columns held are copied when that table has them (conditional, via PREPARE,
-- since a plain INSERT ... SELECT would fail on a table without those columns).
CREATE TABLE IF NOT EXISTS user_settings (
  user_id {{user_id_type}} NOT NULL PRIMARY KEY,
  display_name VARCHAR(255) NULL,
  time_zone VARCHAR(64) NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  FOREIGN KEY (user_id) REFERENCES user_health_profiles(userId) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

SET @pc_copy_settings = IF(
  (SELECT COUNT(*) FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'user_health_profiles' AND column_name IN ('displayName', 'timeZone')) = 2,
  'INSERT IGNORE INTO user_settings (user_id, display_name, time_zone) SELECT userId, displayName, timeZone FROM user_health_profiles WHERE displayName IS NOT NULL OR timeZone IS NOT NULL',
  'DO 0');

PREPARE pc_copy_settings FROM @pc_copy_settings;

EXECUTE pc_copy_settings;

DEALLOCATE PREPARE pc_copy_settings;
