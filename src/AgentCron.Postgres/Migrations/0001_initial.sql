-- The schema of the SQLite store after its migrations 0001-0005, in PostgreSQL's own types: instants are timestamptz
-- (microseconds, UTC), durations interval, flags boolean, money numeric. Enum values are the snake_case text of EnumText.
-- Ids sort bytewise (COLLATE "C"), as in SQLite: keyset cursors and "oldest first" ties do not depend on the locale.
CREATE TABLE tasks (
    id                   text COLLATE "C" NOT NULL PRIMARY KEY,
    slug                 text        NOT NULL CONSTRAINT tasks_slug_key UNIQUE,
    name                 text        NOT NULL,
    instructions         text        NOT NULL,
    status               text        NOT NULL,
    status_reason        text,
    trigger_kind         text,
    trigger_expr         text,
    trigger_tz           text,
    trigger_anchor       timestamptz,
    agent_provider       text        NOT NULL,
    agent_model          text,
    agent_command        text,
    agent_cwd            text,
    agent_permissions    text,
    thread               text,
    timeout              interval    NOT NULL,
    retries              integer     NOT NULL,
    overlap              text        NOT NULL,
    misfire              text        NOT NULL,
    catch_up             interval    NOT NULL,
    jitter               interval    NOT NULL,
    max_failures         integer     NOT NULL,
    recurring_follow_ups boolean     NOT NULL DEFAULT false,
    created_by_run       text,
    next_fire_at         timestamptz,
    last_run_id          text,
    last_run_at          timestamptz,
    last_run_status      text,
    last_summary         text,
    last_error           text,
    consecutive_failures integer     NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    version              bigint      NOT NULL
);

-- The planner reads only active tasks that have a next fire time, in time order: its cost follows what is due.
CREATE INDEX tasks_due ON tasks (next_fire_at) WHERE status = 'active' AND next_fire_at IS NOT NULL;
CREATE INDEX tasks_status ON tasks (status, id);
CREATE INDEX tasks_created_by_run ON tasks (created_by_run) WHERE created_by_run IS NOT NULL;
CREATE INDEX tasks_thread ON tasks (thread, agent_provider) WHERE thread IS NOT NULL;

CREATE TABLE runs (
    id               text COLLATE "C" NOT NULL PRIMARY KEY,
    task_id          text COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    occurrence       text        NOT NULL,
    trigger          text        NOT NULL,
    scheduled_for    timestamptz NOT NULL,
    not_before       timestamptz NOT NULL,
    attempt          integer     NOT NULL,
    status           text        NOT NULL,
    exclusive        boolean     NOT NULL,
    lease_owner      text,
    lease_expires_at timestamptz,
    cancel_requested boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    agent            text,
    model            text,
    session_id       text,
    exit_code        integer,
    output           text,
    summary          text,
    error            text,
    host             text,
    pid              integer,
    pid_identity     text,
    input_tokens     bigint,
    output_tokens    bigint,
    cost_usd         numeric,
    -- One run per occurrence, enforced by the database: the exactly-once guarantee across nodes.
    CONSTRAINT runs_occurrence_key UNIQUE (task_id, occurrence)
);

-- The claim walks queued runs in start order and stops after the first few it can lock: its cost does not grow with
-- the backlog.
CREATE INDEX runs_queued ON runs (not_before, id) WHERE status = 'queued';
CREATE INDEX runs_running ON runs (lease_expires_at) WHERE status = 'running';
CREATE INDEX runs_owner ON runs (lease_owner) WHERE status = 'running';
CREATE INDEX runs_task_status ON runs (task_id, status);
CREATE INDEX runs_task ON runs (task_id, id);
CREATE INDEX runs_status ON runs (status, id);
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;

-- data is json, not jsonb: an entry is written once and read back byte for byte as the agent wrote it (jsonb would
-- reorder keys and respace it), and nothing queries inside it.
CREATE TABLE run_logs (
    run_id  text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq     bigint      NOT NULL,
    at      timestamptz NOT NULL,
    attempt integer     NOT NULL,
    type    text        NOT NULL,
    data    json        NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- The agent's native session per chat thread and provider, so a follow-up on the thread resumes the conversation.
CREATE TABLE thread_sessions (
    thread     text        NOT NULL,
    provider   text        NOT NULL,
    session_id text        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (thread, provider)
);
