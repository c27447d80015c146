-- The duration columns take the names PostgreSQL's have, so one statement serves both stores; they still hold
-- milliseconds (the SQLite dialect binds and reads them so).
ALTER TABLE tasks RENAME COLUMN timeout_ms TO timeout;
ALTER TABLE tasks RENAME COLUMN catch_up_ms TO catch_up;
ALTER TABLE tasks RENAME COLUMN jitter_ms TO jitter;
