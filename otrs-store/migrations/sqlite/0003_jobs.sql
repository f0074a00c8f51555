-- otrs-store, SQLite schema version 3: the scheduler's jobs, agents' web-view notifications,
-- and the outbox's Message-IDs and attachments. Same tables and columns as PostgreSQL's 0003.

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    payload       TEXT    NOT NULL,
    unique_key    TEXT             CHECK (length(unique_key) BETWEEN 1 AND 200),
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    run_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL CHECK (attempts >= 0),
    max_attempts  INTEGER NOT NULL CHECK (max_attempts >= 1),
    last_error    TEXT             CHECK (length(last_error) <= 4000),
    lease_owner   TEXT             CHECK (length(lease_owner) <= 200),
    lease_until   INTEGER,
    created_at    INTEGER NOT NULL,
    finished_at   INTEGER
);

-- What workers scan: due pending jobs and running jobs whose lease may have run out.
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state IN ('pending', 'running');
-- At most one pending job per key (scheduling the key again replaces it).
CREATE UNIQUE INDEX jobs_pending_key ON jobs (unique_key) WHERE state = 'pending';
CREATE INDEX jobs_key ON jobs (unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE agent_notifications (
    id          INTEGER PRIMARY KEY,
    agent_id    INTEGER NOT NULL REFERENCES agents (id),
    title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body        TEXT    NOT NULL CHECK (length(body) <= 4000),
    link        TEXT             CHECK (length(link) <= 1000),
    dedup_key   TEXT             CHECK (length(dedup_key) BETWEEN 1 AND 200),
    created_at  INTEGER NOT NULL,
    seen_at     INTEGER
);

CREATE INDEX agent_notifications_latest ON agent_notifications (agent_id, created_at, id);
CREATE INDEX agent_notifications_unseen ON agent_notifications (agent_id) WHERE seen_at IS NULL;
CREATE UNIQUE INDEX agent_notifications_dedup ON agent_notifications (agent_id, dedup_key)
    WHERE dedup_key IS NOT NULL;

ALTER TABLE outbox ADD COLUMN message_id TEXT CHECK (length(message_id) BETWEEN 1 AND 250);
CREATE UNIQUE INDEX outbox_message_id_unique ON outbox (message_id);

CREATE TABLE outbox_attachments (
    outbox_id     INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL CHECK (position >= 0),
    filename      TEXT    NOT NULL CHECK (length(filename) BETWEEN 1 AND 250),
    content_type  TEXT    NOT NULL CHECK (length(content_type) BETWEEN 1 AND 250),
    content       BLOB    NOT NULL,
    PRIMARY KEY (outbox_id, position)
);
