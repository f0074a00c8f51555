-- otrs-store, SQLite schema version 9: e-mail threading and sources. The outbox names the article
-- it sends, carries the In-Reply-To and References of the message, and keeps the exact bytes
-- handed to the relay; a received e-mail article may keep the source it was created from. Same
-- tables and columns as PostgreSQL's 0009.

ALTER TABLE outbox ADD COLUMN article_id INTEGER;
ALTER TABLE outbox ADD COLUMN in_reply_to TEXT CHECK (length(in_reply_to) <= 3800);
ALTER TABLE outbox ADD COLUMN reference_ids TEXT CHECK (length(reference_ids) <= 3800);
ALTER TABLE outbox ADD COLUMN source BLOB;

CREATE INDEX outbox_article ON outbox (article_id, id) WHERE article_id IS NOT NULL;

CREATE TABLE article_sources (
    article_id  INTEGER PRIMARY KEY REFERENCES articles (id),
    source      BLOB    NOT NULL CHECK (length(source) >= 1)
);
