-- Follow-ups: which run's agent created a task (with its run token), and whether a task's agent may create recurring ones.
ALTER TABLE tasks ADD COLUMN created_by_run TEXT;
ALTER TABLE tasks ADD COLUMN recurring_follow_ups INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_created_by_run ON tasks (created_by_run) WHERE created_by_run IS NOT NULL;
