-- Files kept for a form an agent is filling in (create and article screens), until the form is
-- sent or they expire; the form carries only its random key.
CREATE TABLE form_uploads (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    form_key      TEXT    NOT NULL CHECK (length(form_key) BETWEEN 1 AND 64),
    agent_id      INTEGER NOT NULL REFERENCES agents (id),
    filename      TEXT    NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type  TEXT    NOT NULL CHECK (length(content_type) BETWEEN 1 AND 255),
    content       BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE INDEX form_uploads_form ON form_uploads (agent_id, form_key);
CREATE INDEX form_uploads_created ON form_uploads (created_at);

-- Standard texts are edited in place: a content type and a validity (invalid ones are kept but
-- no longer offered).
ALTER TABLE standard_texts ADD COLUMN content_type TEXT NOT NULL DEFAULT 'text/plain'
    CHECK (content_type IN ('text/plain', 'text/html'));
ALTER TABLE standard_texts ADD COLUMN validity TEXT NOT NULL DEFAULT 'valid'
    CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily'));
