-- The daemons working on this database: registered at start, renewed while they run, marked when they stop cleanly.
CREATE TABLE nodes (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    host         text        NOT NULL,
    pid          integer     NOT NULL,
    version      text        NOT NULL,
    started_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    stopped_at   timestamptz
);
