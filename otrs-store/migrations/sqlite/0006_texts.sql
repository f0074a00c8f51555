-- Standard texts (actions helper): text templates and signatures admins assign to queues.
-- The queues are kept as an ascending comma-separated list of queue ids.
CREATE TABLE standard_texts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL CHECK (kind IN ('template', 'signature')),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    text        TEXT    NOT NULL CHECK (length(text) <= 100000),
    queue_ids   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    CONSTRAINT standard_texts_name_unique UNIQUE (kind, name)
);
