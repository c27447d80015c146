-- Where a task's results go besides its thread: its --deliver targets, one per line (NAME[:CHANNEL[:THREAD]]).
ALTER TABLE tasks ADD COLUMN deliver text;

-- The outbox: one row per run, target and kind, written in the transaction that finishes the run, then tried until
-- delivered or dead. A try is claimed like a run (FOR UPDATE SKIP LOCKED): attempts counted up, next_attempt_at moved
-- past the try's end, under lease_owner (the fence for the try's outcome).
CREATE TABLE deliveries (
    id              text COLLATE "C" NOT NULL PRIMARY KEY,
    run_id          text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    task_id         text COLLATE "C" NOT NULL,
    target          text        NOT NULL,
    kind            text        NOT NULL,
    status          text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_owner     text,
    chunks_sent     integer     NOT NULL DEFAULT 0,
    remote_id       text,
    last_error      text,
    note            text,
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz,
    CONSTRAINT deliveries_once UNIQUE (run_id, target, kind)
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_status ON deliveries (status, id);
CREATE INDEX deliveries_alerts ON deliveries (task_id, target, created_at) WHERE kind = 'alert';
