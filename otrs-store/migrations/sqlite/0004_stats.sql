-- Statistics (stats helper). A definition is stored as its XML export (otrs_core::stats::xml),
-- with the number, title and validity beside it for lists.
CREATE TABLE stat_definitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    number      INTEGER NOT NULL CHECK (number BETWEEN 1 AND 2147483647),
    title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    valid       INTEGER NOT NULL CHECK (valid IN (0, 1)),
    definition  TEXT    NOT NULL CHECK (length(definition) <= 1000000),
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    CONSTRAINT stat_definitions_number_unique UNIQUE (number)
);

-- "Changes of status in a monthly overview" reads the state changes of a month.
CREATE INDEX history_type_created ON history (history_type, created_at);
