-- The daemons working on this store: registered at start, renewed while they run, marked when they stop cleanly.
CREATE TABLE nodes (
    id           TEXT    NOT NULL PRIMARY KEY,
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    version      TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    stopped_at   INTEGER
) WITHOUT ROWID;
