-- 005: pairing history. device_bindings says whom a mirror belongs to now; device_pairings keeps
-- every pairing ever made, so a session recorded under an older pairing (sessions carry its
-- pairing_id) still goes to that pairing's person after an unpair or a re-pair.
-- Inputs: devices, user_health_profiles, device_bindings (004). Result: table device_pairings
-- (one row per pairing; unpaired_at/unpaired_by set when it ends), filled with the bindings that
-- exist already so their sessions keep resolving.
CREATE TABLE IF NOT EXISTS device_pairings (
  pairing_id VARCHAR(100) NOT NULL PRIMARY KEY,
  device_id VARCHAR(64) NOT NULL,
  user_id {{user_id_type}} NOT NULL,
  display_name VARCHAR(255) NULL,
  paired_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  unpaired_at TIMESTAMP NULL,
  unpaired_by VARCHAR(16) NULL,
  INDEX idx_device_pairings_device (device_id, paired_at),
  FOREIGN KEY (device_id) REFERENCES devices(device_id) ON DELETE CASCADE,
  FOREIGN KEY (user_id) REFERENCES user_health_profiles(userId) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO device_pairings (pairing_id, device_id, user_id, paired_at)
  SELECT pairing_id, device_id, user_id, bound_at FROM device_bindings;
