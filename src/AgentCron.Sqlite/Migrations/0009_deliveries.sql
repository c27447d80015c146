-- Where a task's results go besides its thread: its --deliver targets, one per line (NAME[:CHANNEL[:THREAD]]).
ALTER TABLE tasks ADD COLUMN deliver TEXT;

-- The outbox: one row per run, target and kind, written in the transaction that finishes the run, then tried until
-- delivered or dead. A try is claimed like a run: attempts counted up, next_attempt_at moved past the try's end, under
-- lease_owner (the fence for the try's outcome).
CREATE TABLE deliveries (
    id              TEXT    NOT NULL PRIMARY KEY,
    run_id          TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    task_id         TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    chunks_sent     INTEGER NOT NULL DEFAULT 0,
    remote_id       TEXT,
    last_error      TEXT,
    note            TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    UNIQUE (run_id, target, kind)
) WITHOUT ROWID;

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_status ON deliveries (status, id);
CREATE INDEX deliveries_alerts ON deliveries (task_id, target, created_at) WHERE kind = 'alert';
