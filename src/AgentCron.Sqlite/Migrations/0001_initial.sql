-- Instants are INTEGER microseconds since the Unix epoch (UTC): exact, compact and ordered.
CREATE TABLE tasks (
    id                   TEXT    NOT NULL PRIMARY KEY,
    slug                 TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL,
    instructions         TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    status_reason        TEXT,
    trigger_kind         TEXT,
    trigger_expr         TEXT,
    trigger_tz           TEXT,
    trigger_anchor       INTEGER,
    agent_provider       TEXT    NOT NULL,
    agent_model          TEXT,
    agent_command        TEXT,
    agent_cwd            TEXT,
    thread               TEXT,
    timeout_ms           INTEGER NOT NULL,
    retries              INTEGER NOT NULL,
    overlap              TEXT    NOT NULL,
    misfire              TEXT    NOT NULL,
    catch_up_ms          INTEGER NOT NULL,
    jitter_ms            INTEGER NOT NULL,
    max_failures         INTEGER NOT NULL,
    next_fire_at         INTEGER,
    last_run_id          TEXT,
    last_run_at          INTEGER,
    last_run_status      TEXT,
    last_summary         TEXT,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL
);

-- The planner's query reads only active tasks that have a next fire time, in time order: its cost does not grow with
-- the number of future tasks, only with the number due.
CREATE INDEX tasks_due ON tasks (next_fire_at) WHERE status = 'active' AND next_fire_at IS NOT NULL;
CREATE INDEX tasks_status ON tasks (status, id);

CREATE TABLE runs (
    id               TEXT    NOT NULL PRIMARY KEY,
    task_id          TEXT    NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    occurrence       TEXT    NOT NULL,
    trigger          TEXT    NOT NULL,
    scheduled_for    INTEGER NOT NULL,
    not_before       INTEGER NOT NULL,
    attempt          INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    exclusive        INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    agent            TEXT,
    model            TEXT,
    session_id       TEXT,
    exit_code        INTEGER,
    output           TEXT,
    summary          TEXT,
    error            TEXT,
    host             TEXT,
    pid              INTEGER,
    pid_identity     TEXT,
    -- One run per occurrence, enforced by the database: the exactly-once guarantee across processes.
    UNIQUE (task_id, occurrence)
);

-- The dispatcher's claim walks queued runs in start order and stops after the first few it can take: its cost does not
-- grow with the backlog.
CREATE INDEX runs_queued ON runs (not_before, id) WHERE status = 'queued';
CREATE INDEX runs_running ON runs (lease_expires_at) WHERE status = 'running';
CREATE INDEX runs_owner ON runs (lease_owner) WHERE status = 'running';
CREATE INDEX runs_task_status ON runs (task_id, status);
CREATE INDEX runs_task ON runs (task_id, id);
CREATE INDEX runs_status ON runs (status, id);
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE run_logs (
    run_id  TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    type    TEXT    NOT NULL,
    data    TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
