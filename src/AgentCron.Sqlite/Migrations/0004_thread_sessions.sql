-- The agent's native session per chat thread and provider, so a follow-up on the thread resumes the conversation.
CREATE TABLE thread_sessions (
    thread     TEXT    NOT NULL,
    provider   TEXT    NOT NULL,
    session_id TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (thread, provider)
) WITHOUT ROWID;
