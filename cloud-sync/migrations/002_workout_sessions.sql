-- 002: workout_sessions exactly as the original backend defined it (DESIGN.md, "MySQL").
-- Inputs: user_health_profiles (001). Result: table workout_sessions; a row needs its profile.
-- feedback_points holds the JSON text of an array of strings; timestamp the ISO string as sent.
CREATE TABLE IF NOT EXISTS workout_sessions (
  id INT AUTO_INCREMENT PRIMARY KEY,
  user_id {{user_id_type}} NOT NULL,
  exercise VARCHAR(100) NOT NULL,
  reps INT NOT NULL,
  accuracy FLOAT NOT NULL,
  `timestamp` VARCHAR(50) NOT NULL,
  duration INT NOT NULL,
  feedback_points TEXT NULL,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (user_id) REFERENCES user_health_profiles(userId) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
