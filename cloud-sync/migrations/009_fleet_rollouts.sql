-- 007: rollouts and command history kept across gateway restarts. Inputs: devices (004).
--   fleet_rollouts: one row per rollout: the release, how it is staged (canary, waves,
--     concurrency, failure thresholds), its state (running, paused, done, stopped, aborted),
--     the stage reached and why it stopped.
--   fleet_rollout_devices: each targeted mirror in rollout order and how far it got (pending,
--     sent, succeeded, failed, skipped), with the reason of a failure.
--   fleet_commands: every command sent to a mirror with its outcome (what `fleet show` lists).
CREATE TABLE IF NOT EXISTS fleet_rollouts (
  rollout_id VARCHAR(40) NOT NULL PRIMARY KEY,
  release_name VARCHAR(120) NOT NULL,
  spec JSON NOT NULL,
  state VARCHAR(16) NOT NULL,
  stage INT NOT NULL DEFAULT 0,
  reason VARCHAR(500) NULL,
  started_at TIMESTAMP(3) NOT NULL,
  ended_at TIMESTAMP(3) NULL,
  INDEX idx_fleet_rollouts_state (state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS fleet_rollout_devices (
  rollout_id VARCHAR(40) NOT NULL,
  device_id VARCHAR(64) NOT NULL,
  position INT NOT NULL,
  state VARCHAR(16) NOT NULL,
  error VARCHAR(500) NULL,
  sent_at TIMESTAMP(3) NULL,
  ended_at TIMESTAMP(3) NULL,
  PRIMARY KEY (rollout_id, device_id),
  FOREIGN KEY (rollout_id) REFERENCES fleet_rollouts(rollout_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS fleet_commands (
  command_id VARCHAR(64) NOT NULL PRIMARY KEY,
  device_id VARCHAR(64) NOT NULL,
  name VARCHAR(50) NOT NULL,
  state VARCHAR(16) NOT NULL,
  timeout_ms INT NOT NULL,
  result JSON NULL,
  error VARCHAR(500) NULL,
  sent_at TIMESTAMP(3) NOT NULL,
  ended_at TIMESTAMP(3) NULL,
  INDEX idx_fleet_commands_device (device_id, sent_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
