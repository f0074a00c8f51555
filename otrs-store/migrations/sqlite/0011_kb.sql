-- The knowledge base (otrs-core model::kb): a tree of categories guarded by groups, articles
-- (FAQ items) with their files, one vote per person and article, and each article's history.
-- Times are microseconds since the epoch, as in 0001.

CREATE TABLE kb_categories (
    id               INTEGER PRIMARY KEY,
    -- No foreign key: a category may be moved below one created after it, and exports load
    -- rows in id order. The desk keeps parents existing and the tree free of cycles.
    parent_id        INTEGER,
    name             TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    comment          TEXT    NOT NULL CHECK (length(comment) <= 250),
    validity         TEXT    NOT NULL CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily')),
    created_at       INTEGER NOT NULL,
    changed_at       INTEGER NOT NULL,
    changed_by_kind  TEXT    NOT NULL CHECK (changed_by_kind IN ('agent', 'customer')),
    changed_by_id    INTEGER NOT NULL,
    version          INTEGER NOT NULL
);

-- Names are unique among siblings; top-level categories count as children of 0.
CREATE UNIQUE INDEX kb_categories_sibling_name ON kb_categories (coalesce(parent_id, 0), name);

CREATE TABLE kb_category_groups (
    category_id  INTEGER NOT NULL REFERENCES kb_categories (id),
    group_id     INTEGER NOT NULL REFERENCES groups (id),
    PRIMARY KEY (category_id, group_id)
);

-- AUTOINCREMENT: an article's number is made from its id, so a deleted article's id is never
-- handed out again (PostgreSQL's identity never reuses one either).
CREATE TABLE kb_articles (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id      INTEGER NOT NULL REFERENCES kb_categories (id),
    title            TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    keywords         TEXT    NOT NULL CHECK (length(keywords) <= 400),
    language         TEXT    NOT NULL CHECK (length(language) BETWEEN 1 AND 35),
    state            TEXT    NOT NULL CHECK (state IN ('internal', 'external', 'public')),
    validity         TEXT    NOT NULL CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily')),
    approved         INTEGER NOT NULL CHECK (approved IN (0, 1)),
    content_type     TEXT    NOT NULL CHECK (content_type IN ('text/plain', 'text/html')),
    symptom          TEXT    NOT NULL CHECK (length(symptom) <= 200000),
    problem          TEXT    NOT NULL CHECK (length(problem) <= 200000),
    solution         TEXT    NOT NULL CHECK (length(solution) <= 200000),
    comment          TEXT    NOT NULL CHECK (length(comment) <= 200000),
    created_at       INTEGER NOT NULL,
    created_by_kind  TEXT    NOT NULL CHECK (created_by_kind IN ('agent', 'customer')),
    created_by_id    INTEGER NOT NULL,
    changed_at       INTEGER NOT NULL,
    changed_by_kind  TEXT    NOT NULL CHECK (changed_by_kind IN ('agent', 'customer')),
    changed_by_id    INTEGER NOT NULL,
    version          INTEGER NOT NULL
);

CREATE INDEX kb_articles_category ON kb_articles (category_id);

CREATE TABLE kb_attachments (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES kb_articles (id),
    filename      TEXT    NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type  TEXT    NOT NULL CHECK (length(content_type) BETWEEN 1 AND 255),
    size          INTEGER NOT NULL CHECK (size >= 0),
    inline        INTEGER NOT NULL CHECK (inline IN (0, 1)),
    content       BLOB    NOT NULL,
    CHECK (length(content) = size)
);

CREATE INDEX kb_attachments_article ON kb_attachments (article_id);

CREATE TABLE kb_votes (
    article_id  INTEGER NOT NULL REFERENCES kb_articles (id),
    voter_kind  TEXT    NOT NULL CHECK (voter_kind IN ('agent', 'customer')),
    voter_id    INTEGER NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    voted_at    INTEGER NOT NULL,
    PRIMARY KEY (article_id, voter_kind, voter_id)
);

CREATE TABLE kb_history (
    id               INTEGER PRIMARY KEY,
    article_id       INTEGER NOT NULL REFERENCES kb_articles (id),
    action           TEXT    NOT NULL CHECK (action IN ('Created', 'Updated', 'AttachmentAdded', 'AttachmentRemoved', 'LinkAdded', 'LinkRemoved', 'ApprovalChanged', 'Voted')),
    details          TEXT    NOT NULL CHECK (length(details) <= 10000),
    created_at       INTEGER NOT NULL,
    created_by_kind  TEXT    NOT NULL CHECK (created_by_kind IN ('agent', 'customer')),
    created_by_id    INTEGER NOT NULL
);

CREATE INDEX kb_history_article ON kb_history (article_id, created_at);
