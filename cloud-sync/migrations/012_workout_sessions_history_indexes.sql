-- 012: indexes for the history every stored session's feedback reads (cloud-sync/src/feedback/
-- history.ts). Inputs: workout_sessions (002, 003, 010). Result: the best-reps and recent parts
-- read (user, exercise) in timestamp order without a table scan of the person's rows, and the
-- streak's part reads (user, time) with the session id in the index itself, so neither looks up
-- rows it then leaves out. 003's (user_id, timestamp) index is the second one's prefix and goes.
-- One statement, so it is applied whole or not at all.
ALTER TABLE workout_sessions
  ADD INDEX idx_workout_sessions_user_exercise_time (user_id, exercise, `timestamp`, reps, session_id),
  ADD INDEX idx_workout_sessions_user_time_session (user_id, `timestamp`, session_id),
  DROP INDEX idx_workout_sessions_user_time;
