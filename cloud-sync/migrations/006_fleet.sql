-- 006: fleet management. Inputs: devices (004). Results:
--   fleet_claims: claim tokens baked into mirror images (only their sha256 is kept), limited in
--     uses and time, revocable; a mirror redeems one on first boot for its own id and secret.
--   fleet_devices: one row per provisioned mirror with what the fleet knows of it: group, model
--     and app versions, last seen, and the last configuration it reported.
--   fleet_config: the desired-configuration layers (scope 'fleet', 'group:<name>' or
--     'device:<id>'), each with the fleet-wide version number it was last written at.
CREATE TABLE IF NOT EXISTS fleet_claims (
  claim_id VARCHAR(64) NOT NULL PRIMARY KEY,
  token_sha256 CHAR(64) NOT NULL UNIQUE,
  group_name VARCHAR(64) NULL,
  max_uses INT NOT NULL,
  used_count INT NOT NULL DEFAULT 0,
  expires_at TIMESTAMP NULL,
  revoked_at TIMESTAMP NULL,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS fleet_devices (
  device_id VARCHAR(64) NOT NULL PRIMARY KEY,
  group_name VARCHAR(64) NULL,
  claim_id VARCHAR(64) NULL,
  model VARCHAR(100) NULL,
  app_version VARCHAR(50) NULL,
  last_seen_at TIMESTAMP(3) NULL,
  reported_version BIGINT NULL,
  reported_config JSON NULL,
  reported_error VARCHAR(500) NULL,
  INDEX idx_fleet_devices_group (group_name),
  FOREIGN KEY (device_id) REFERENCES devices(device_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS fleet_config (
  scope VARCHAR(140) NOT NULL PRIMARY KEY,
  config JSON NOT NULL,
  version BIGINT NOT NULL,
  updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
