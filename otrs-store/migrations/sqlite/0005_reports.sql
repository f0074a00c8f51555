-- Reports (reports helper): statistics run together and mailed as one PDF on a schedule.
-- The schedule is stored as text (`none`, `daily 08:00`, `weekly mon 08:00`, `monthly 1 08:00`,
-- `cron 0 8 * * 1-5`), recipients as a JSON list of strings, the statistics as comma-separated
-- numbers in their order.
CREATE TABLE reports (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description       TEXT    NOT NULL CHECK (length(description) <= 10000),
    validity          TEXT    NOT NULL CHECK (validity IN ('valid', 'invalid', 'invalid-temporarily')),
    schedule          TEXT    NOT NULL CHECK (length(schedule) BETWEEN 4 AND 220),
    time_zone         TEXT    NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 100),
    language          TEXT    NOT NULL CHECK (length(language) BETWEEN 1 AND 20),
    email_subject     TEXT    NOT NULL CHECK (length(email_subject) <= 250),
    email_body        TEXT    NOT NULL CHECK (length(email_body) <= 10000),
    recipients        TEXT    NOT NULL CHECK (length(recipients) <= 20000),
    headline          TEXT    NOT NULL CHECK (length(headline) <= 250),
    title             TEXT    NOT NULL CHECK (length(title) <= 250),
    preamble_caption  TEXT    NOT NULL CHECK (length(preamble_caption) <= 250),
    preamble          TEXT    NOT NULL CHECK (length(preamble) <= 10000),
    epilogue_caption  TEXT    NOT NULL CHECK (length(epilogue_caption) <= 250),
    epilogue          TEXT    NOT NULL CHECK (length(epilogue) <= 10000),
    stat_numbers      TEXT    NOT NULL CHECK (length(stat_numbers) BETWEEN 1 AND 1000),
    created_by        INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    changed_at        INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    CONSTRAINT reports_name_unique UNIQUE (name)
);
