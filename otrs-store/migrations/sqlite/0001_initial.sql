-- otrs-store, SQLite schema version 1.
--
-- Conventions (the PostgreSQL schema of the same version has the same tables and columns):
-- * times are INTEGER microseconds since 1970-01-01 00:00 UTC; days are TEXT 'YYYY-MM-DD';
-- * who did something is a pair <role>_kind ('agent' or 'customer') and <role>_id;
-- * enumerations are stored by their names in otrs-core (priority and history type by number);
-- * every length limit is a CHECK here and a check in the store before writing;
-- * foreign keys exist exactly where the storage port requires the referenced object to exist.

CREATE TABLE states (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    state_type  TEXT    NOT NULL CHECK (state_type IN ('new', 'open', 'closed', 'pending reminder', 'pending auto', 'removed', 'merged')),
    valid       INTEGER NOT NULL CHECK (valid IN (0, 1)),
    CONSTRAINT states_name_unique UNIQUE (name)
);

CREATE TABLE groups (
    id        INTEGER PRIMARY KEY,
    name      TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    comment   TEXT    NOT NULL CHECK (length(comment) <= 250),
    validity  TEXT    NOT NULL CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily')),
    version   INTEGER NOT NULL,
    CONSTRAINT groups_name_unique UNIQUE (name)
);

CREATE TABLE queues (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    group_id                INTEGER NOT NULL REFERENCES groups (id),
    comment                 TEXT    NOT NULL CHECK (length(comment) <= 250),
    validity                TEXT    NOT NULL CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily')),
    unlock_timeout_minutes  INTEGER NOT NULL CHECK (unlock_timeout_minutes >= 0),
    first_response_minutes  INTEGER NOT NULL CHECK (first_response_minutes >= 0),
    update_minutes          INTEGER NOT NULL CHECK (update_minutes >= 0),
    solution_minutes        INTEGER NOT NULL CHECK (solution_minutes >= 0),
    follow_up_possible      INTEGER NOT NULL CHECK (follow_up_possible IN (0, 1)),
    version                 INTEGER NOT NULL,
    CONSTRAINT queues_name_unique UNIQUE (name)
);

CREATE TABLE agents (
    id                    INTEGER PRIMARY KEY,
    login                 TEXT    NOT NULL CHECK (length(login) BETWEEN 1 AND 200),
    first_name            TEXT    NOT NULL CHECK (length(first_name) <= 100),
    last_name             TEXT    NOT NULL CHECK (length(last_name) <= 100),
    email                 TEXT    NOT NULL CHECK (length(email) <= 254),
    validity              TEXT    NOT NULL CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily')),
    password_hash         TEXT             CHECK (length(password_hash) <= 1000),
    must_change_password  INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
    failed_logins         INTEGER NOT NULL CHECK (failed_logins >= 0),
    totp_secret           TEXT             CHECK (length(totp_secret) <= 200),
    created_at            INTEGER NOT NULL,
    version               INTEGER NOT NULL,
    CONSTRAINT agents_login_unique UNIQUE (login)
);

-- The permissions of an agent on a group, as the bits of otrs-core's PermissionSet.
CREATE TABLE agent_groups (
    agent_id     INTEGER NOT NULL REFERENCES agents (id),
    group_id     INTEGER NOT NULL REFERENCES groups (id),
    permissions  INTEGER NOT NULL CHECK (permissions BETWEEN 0 AND 127),
    PRIMARY KEY (agent_id, group_id)
) WITHOUT ROWID;

CREATE INDEX agent_groups_group ON agent_groups (group_id);

CREATE TABLE agent_preferences (
    agent_id  INTEGER NOT NULL REFERENCES agents (id),
    key       TEXT    NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    value     TEXT    NOT NULL CHECK (length(value) <= 100000),
    PRIMARY KEY (agent_id, key)
) WITHOUT ROWID;

CREATE TABLE customers (
    id           INTEGER PRIMARY KEY,
    customer_id  TEXT    NOT NULL CHECK (length(customer_id) BETWEEN 1 AND 150),
    name         TEXT    NOT NULL CHECK (length(name) <= 200),
    street       TEXT    NOT NULL CHECK (length(street) <= 200),
    zip          TEXT    NOT NULL CHECK (length(zip) <= 200),
    city         TEXT    NOT NULL CHECK (length(city) <= 200),
    country      TEXT    NOT NULL CHECK (length(country) <= 200),
    url          TEXT    NOT NULL CHECK (length(url) <= 200),
    comment      TEXT    NOT NULL CHECK (length(comment) <= 250),
    validity     TEXT    NOT NULL CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily')),
    created_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL
);

-- CustomerIDs are unique and compared without regard to ASCII case.
CREATE UNIQUE INDEX customers_customer_id_unique ON customers (lower(customer_id));

CREATE TABLE customer_users (
    id                    INTEGER PRIMARY KEY,
    login                 TEXT    NOT NULL CHECK (length(login) BETWEEN 1 AND 200),
    title                 TEXT    NOT NULL CHECK (length(title) <= 50),
    first_name            TEXT    NOT NULL CHECK (length(first_name) <= 100),
    last_name             TEXT    NOT NULL CHECK (length(last_name) <= 100),
    email                 TEXT    NOT NULL CHECK (length(email) <= 254),
    customer_id           TEXT    NOT NULL CHECK (length(customer_id) <= 150),
    phone                 TEXT    NOT NULL CHECK (length(phone) <= 150),
    mobile                TEXT    NOT NULL CHECK (length(mobile) <= 150),
    street                TEXT    NOT NULL CHECK (length(street) <= 150),
    zip                   TEXT    NOT NULL CHECK (length(zip) <= 200),
    city                  TEXT    NOT NULL CHECK (length(city) <= 200),
    country               TEXT    NOT NULL CHECK (length(country) <= 200),
    comment               TEXT    NOT NULL CHECK (length(comment) <= 250),
    validity              TEXT    NOT NULL CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily')),
    password_hash         TEXT             CHECK (length(password_hash) <= 1000),
    must_change_password  INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
    failed_logins         INTEGER NOT NULL CHECK (failed_logins >= 0),
    totp_secret           TEXT             CHECK (length(totp_secret) <= 200),
    created_at            INTEGER NOT NULL,
    version               INTEGER NOT NULL,
    CONSTRAINT customer_users_login_unique UNIQUE (login)
);

CREATE INDEX customer_users_customer_id ON customer_users (lower(customer_id));

-- The further CustomerIDs of a customer user, in the order given.
CREATE TABLE customer_user_customer_ids (
    customer_user_id  INTEGER NOT NULL REFERENCES customer_users (id),
    position          INTEGER NOT NULL,
    customer_id       TEXT    NOT NULL CHECK (length(customer_id) <= 150),
    PRIMARY KEY (customer_user_id, position)
) WITHOUT ROWID;

CREATE INDEX customer_user_customer_ids_customer_id ON customer_user_customer_ids (lower(customer_id));

CREATE TABLE customer_user_groups (
    customer_user_id  INTEGER NOT NULL REFERENCES customer_users (id),
    group_id          INTEGER NOT NULL,
    permissions       INTEGER NOT NULL CHECK (permissions BETWEEN 0 AND 127),
    PRIMARY KEY (customer_user_id, group_id)
) WITHOUT ROWID;

CREATE TABLE customer_user_preferences (
    customer_user_id  INTEGER NOT NULL REFERENCES customer_users (id),
    key               TEXT    NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    value             TEXT    NOT NULL CHECK (length(value) <= 100000),
    PRIMARY KEY (customer_user_id, key)
) WITHOUT ROWID;

-- The daily ticket counter (DateChecksum numbers restart at 1 every day).
CREATE TABLE ticket_counters (
    day      TEXT    PRIMARY KEY,
    counter  INTEGER NOT NULL CHECK (counter >= 0)
) WITHOUT ROWID;

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    number            TEXT    NOT NULL CHECK (length(number) BETWEEN 1 AND 50),
    title             TEXT    NOT NULL CHECK (length(title) <= 255),
    queue_id          INTEGER NOT NULL REFERENCES queues (id),
    state_id          INTEGER NOT NULL REFERENCES states (id),
    priority          INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 5),
    lock              TEXT    NOT NULL CHECK (lock IN ('unlock', 'lock', 'tmp_lock')),
    owner_id          INTEGER NOT NULL REFERENCES agents (id),
    responsible_id    INTEGER NOT NULL REFERENCES agents (id),
    customer_id       TEXT             CHECK (length(customer_id) <= 150),
    customer_user_id  INTEGER          REFERENCES customer_users (id),
    pending_until     INTEGER,
    created_at        INTEGER NOT NULL,
    created_by_kind   TEXT    NOT NULL CHECK (created_by_kind IN ('agent', 'customer')),
    created_by_id     INTEGER NOT NULL,
    changed_at        INTEGER NOT NULL,
    changed_by_kind   TEXT    NOT NULL CHECK (changed_by_kind IN ('agent', 'customer')),
    changed_by_id     INTEGER NOT NULL,
    accounted_time    INTEGER NOT NULL,
    locked_at         INTEGER,
    version           INTEGER NOT NULL,
    CONSTRAINT tickets_number_unique UNIQUE (number)
);

-- Every index ends in the rowid (the ticket id), which is the tie-breaker of every sort order,
-- so keyset pages are index range scans.
CREATE INDEX tickets_queue_changed ON tickets (queue_id, changed_at);
CREATE INDEX tickets_state_changed ON tickets (state_id, changed_at);
CREATE INDEX tickets_changed ON tickets (changed_at);
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_owner ON tickets (owner_id, changed_at);
CREATE INDEX tickets_responsible ON tickets (responsible_id);
CREATE INDEX tickets_customer_user ON tickets (customer_user_id);
CREATE INDEX tickets_customer_id ON tickets (lower(customer_id));
CREATE INDEX tickets_pending ON tickets (pending_until) WHERE pending_until IS NOT NULL;

-- The number of tickets per queue and state, kept by the triggers below in the same transaction
-- as every ticket write. The dashboard and list totals read it instead of counting tickets.
CREATE TABLE ticket_counts (
    queue_id  INTEGER NOT NULL,
    state_id  INTEGER NOT NULL,
    count     INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (queue_id, state_id)
) WITHOUT ROWID;

CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO ticket_counts (queue_id, state_id, count) VALUES (NEW.queue_id, NEW.state_id, 1)
        ON CONFLICT (queue_id, state_id) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER tickets_count_update AFTER UPDATE OF queue_id, state_id ON tickets
    WHEN OLD.queue_id <> NEW.queue_id OR OLD.state_id <> NEW.state_id
BEGIN
    UPDATE ticket_counts SET count = count - 1
        WHERE queue_id = OLD.queue_id AND state_id = OLD.state_id;
    INSERT INTO ticket_counts (queue_id, state_id, count) VALUES (NEW.queue_id, NEW.state_id, 1)
        ON CONFLICT (queue_id, state_id) DO UPDATE SET count = count + 1;
END;

CREATE TABLE articles (
    id                    INTEGER PRIMARY KEY,
    ticket_id             INTEGER NOT NULL REFERENCES tickets (id),
    channel               TEXT    NOT NULL CHECK (channel IN ('email', 'phone', 'note', 'chat', 'sms')),
    sender_type           TEXT    NOT NULL CHECK (sender_type IN ('agent', 'system', 'customer')),
    visible_for_customer  INTEGER NOT NULL CHECK (visible_for_customer IN (0, 1)),
    important             INTEGER NOT NULL CHECK (important IN (0, 1)),
    from_address          TEXT    NOT NULL CHECK (length(from_address) <= 3800),
    to_address            TEXT    NOT NULL CHECK (length(to_address) <= 3800),
    cc_address            TEXT    NOT NULL CHECK (length(cc_address) <= 3800),
    bcc_address           TEXT    NOT NULL CHECK (length(bcc_address) <= 3800),
    subject               TEXT    NOT NULL CHECK (length(subject) <= 3800),
    body                  TEXT    NOT NULL,
    content_type          TEXT    NOT NULL CHECK (length(content_type) <= 250),
    message_id            TEXT             CHECK (length(message_id) <= 3800),
    in_reply_to           TEXT             CHECK (length(in_reply_to) <= 3800),
    reference_ids         TEXT             CHECK (length(reference_ids) <= 3800),
    time_units            INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    created_by_kind       TEXT    NOT NULL CHECK (created_by_kind IN ('agent', 'customer')),
    created_by_id         INTEGER NOT NULL,
    version               INTEGER NOT NULL
);

CREATE INDEX articles_ticket ON articles (ticket_id, created_at);
CREATE INDEX articles_message_id ON articles (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles (id),
    filename      TEXT    NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type  TEXT    NOT NULL CHECK (length(content_type) BETWEEN 1 AND 255),
    size          INTEGER NOT NULL CHECK (size >= 0),
    content_id    TEXT             CHECK (length(content_id) <= 1000),
    inline        INTEGER NOT NULL CHECK (inline IN (0, 1)),
    content       BLOB    NOT NULL,
    CHECK (length(content) = size)
);

CREATE INDEX attachments_article ON attachments (article_id);

CREATE TABLE time_accounting (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id),
    article_id       INTEGER,
    units            INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    created_by_kind  TEXT    NOT NULL CHECK (created_by_kind IN ('agent', 'customer')),
    created_by_id    INTEGER NOT NULL
);

CREATE INDEX time_accounting_ticket ON time_accounting (ticket_id, created_at);

-- Which agent has seen which article.
CREATE TABLE article_seen (
    agent_id    INTEGER NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES articles (id),
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (agent_id, article_id)
) WITHOUT ROWID;

CREATE TABLE history (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id),
    article_id       INTEGER,
    history_type     INTEGER NOT NULL CHECK (history_type BETWEEN 1 AND 1000),
    params           TEXT    NOT NULL CHECK (length(params) <= 100000),
    created_at       INTEGER NOT NULL,
    created_by_kind  TEXT    NOT NULL CHECK (created_by_kind IN ('agent', 'customer')),
    created_by_id    INTEGER NOT NULL,
    queue_id         INTEGER NOT NULL,
    state_id         INTEGER NOT NULL,
    priority         INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 5),
    owner_id         INTEGER NOT NULL
);

CREATE INDEX history_ticket ON history (ticket_id, created_at);
CREATE INDEX history_article ON history (article_id) WHERE article_id IS NOT NULL;

-- Links. A Normal link A–B equals B–A; a ParentChild link is directed (source = parent).
CREATE TABLE links (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    source_kind      TEXT    NOT NULL CHECK (source_kind IN ('ticket', 'kb_article', 'appointment')),
    source_id        INTEGER NOT NULL,
    target_kind      TEXT    NOT NULL CHECK (target_kind IN ('ticket', 'kb_article', 'appointment')),
    target_id        INTEGER NOT NULL,
    link_type        TEXT    NOT NULL CHECK (link_type IN ('Normal', 'ParentChild')),
    created_at       INTEGER NOT NULL,
    created_by_kind  TEXT    NOT NULL CHECK (created_by_kind IN ('agent', 'customer')),
    created_by_id    INTEGER NOT NULL
);

CREATE INDEX links_source ON links (source_kind, source_id);
CREATE INDEX links_target ON links (target_kind, target_id);
CREATE UNIQUE INDEX links_parent_child_unique ON links (source_kind, source_id, target_kind, target_id)
    WHERE link_type = 'ParentChild';
CREATE UNIQUE INDEX links_normal_unique ON links (
    min(source_kind || ':' || source_id, target_kind || ':' || target_id),
    max(source_kind || ':' || source_id, target_kind || ':' || target_id)
) WHERE link_type = 'Normal';

CREATE TABLE watchers (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    since      INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, agent_id)
) WITHOUT ROWID;

CREATE INDEX watchers_agent ON watchers (agent_id, ticket_id);

CREATE TABLE drafts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id),
    form            TEXT    NOT NULL CHECK (length(form) BETWEEN 1 AND 100),
    name            TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    fields          TEXT    NOT NULL,
    ticket_version  INTEGER NOT NULL,
    created_by      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    changed_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    CONSTRAINT drafts_name_unique UNIQUE (ticket_id, form, name)
);

-- The change feed. Its one counter row is incremented by every append; in PostgreSQL the row
-- lock held until commit makes sequence numbers become visible in order.
CREATE TABLE feed_counter (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL CHECK (seq >= 0)
);

INSERT INTO feed_counter (id, seq) VALUES (1, 0);

CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY,
    entity     TEXT    NOT NULL CHECK (entity IN ('ticket', 'queue', 'group', 'agent', 'customer', 'customer_user', 'state')),
    entity_id  INTEGER NOT NULL,
    op         TEXT    NOT NULL CHECK (op IN ('created', 'updated', 'deleted')),
    at         INTEGER NOT NULL
);

CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER,
    from_address  TEXT    NOT NULL CHECK (length(from_address) <= 3800),
    to_address    TEXT    NOT NULL CHECK (length(to_address) <= 3800),
    cc_address    TEXT    NOT NULL CHECK (length(cc_address) <= 3800),
    bcc_address   TEXT    NOT NULL CHECK (length(bcc_address) <= 3800),
    subject       TEXT    NOT NULL CHECK (length(subject) <= 4000),
    body          TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts      INTEGER NOT NULL CHECK (attempts >= 0),
    last_error    TEXT             CHECK (length(last_error) <= 4000),
    created_at    INTEGER NOT NULL
);

CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';

CREATE TABLE sessions (
    key_digest              TEXT    PRIMARY KEY CHECK (length(key_digest) BETWEEN 1 AND 200),
    principal_kind          TEXT    NOT NULL CHECK (principal_kind IN ('agent', 'customer')),
    principal_id            INTEGER NOT NULL,
    csrf_token              TEXT    NOT NULL CHECK (length(csrf_token) <= 200),
    awaiting_second_factor  INTEGER NOT NULL CHECK (awaiting_second_factor IN (0, 1)),
    created_at              INTEGER NOT NULL,
    last_seen_at            INTEGER NOT NULL,
    remote_addr             TEXT    NOT NULL CHECK (length(remote_addr) <= 200)
) WITHOUT ROWID;

CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
CREATE INDEX sessions_created ON sessions (created_at);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    agent_id      INTEGER NOT NULL REFERENCES agents (id),
    name          TEXT    NOT NULL CHECK (length(name) <= 200),
    digest        TEXT    NOT NULL CHECK (length(digest) BETWEEN 1 AND 200),
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    CONSTRAINT api_tokens_digest_unique UNIQUE (digest)
);

CREATE INDEX api_tokens_agent ON api_tokens (agent_id);

CREATE TABLE one_time_tokens (
    digest          TEXT    PRIMARY KEY CHECK (length(digest) BETWEEN 1 AND 200),
    principal_kind  TEXT    NOT NULL CHECK (principal_kind IN ('agent', 'customer')),
    principal_id    INTEGER NOT NULL,
    purpose         TEXT    NOT NULL CHECK (purpose IN ('password_reset', 'email_code')),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
) WITHOUT ROWID;
