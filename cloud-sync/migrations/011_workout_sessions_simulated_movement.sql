-- 011: the two session additions MySQL lacked. Inputs: workout_sessions (002, 003). Result:
-- `simulated` (1 for a session the simulated athlete made, so the analytics copy never counts a
-- demo as a real workout, and reads that fall back to MySQL still show it as simulated) and
-- `movement` (what a person named an `other` session on their phone). One statement, so it is
-- applied whole or not at all.
ALTER TABLE workout_sessions
  ADD COLUMN simulated TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN movement VARCHAR(60) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;
