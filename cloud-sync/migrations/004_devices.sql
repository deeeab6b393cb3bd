-- 004: the gateway's fleet: provisioned mirrors and who each one is paired with.
-- Inputs: user_health_profiles (001). Result: devices (one row per mirror, secret stored hashed,
-- revoked_at set when it may no longer connect) and device_bindings (at most one person per
-- mirror; removed with the device or the person's profile). The gateway reads and writes these.
CREATE TABLE IF NOT EXISTS devices (
  device_id VARCHAR(64) NOT NULL PRIMARY KEY,
  secret_hash VARCHAR(255) NOT NULL,
  name VARCHAR(255) NULL,
  room VARCHAR(255) NULL,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  revoked_at TIMESTAMP NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS device_bindings (
  device_id VARCHAR(64) NOT NULL PRIMARY KEY,
  user_id {{user_id_type}} NOT NULL,
  pairing_id VARCHAR(100) NOT NULL,
  bound_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (device_id) REFERENCES devices(device_id) ON DELETE CASCADE,
  FOREIGN KEY (user_id) REFERENCES user_health_profiles(userId) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
